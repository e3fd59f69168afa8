// The HTTP server: an acceptor and one Session per connection, all on the
// I/O thread.
#include "runtime/server/HttpServer.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <optional>

namespace llmc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context &io, HttpServerParams params)
      : io(io), params(std::move(params)), acceptor(io) {}
  void accept();

  asio::io_context &io;
  HttpServerParams params;
  tcp::acceptor acceptor;
  std::atomic<int64_t> open{0};
};

namespace {

std::string statusLine(int status) {
  const beast::string_view reason =
      http::obsolete_reason(http::int_to_status(unsigned(status)));
  return "HTTP/1.1 " + std::to_string(status) + " " +
         std::string(reason.data(), reason.size()) + "\r\n";
}

class Session : public HttpExchange,
                public std::enable_shared_from_this<Session> {
public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : socket_(std::move(socket)), server_(std::move(server)) {
    ++server_->open;
  }
  ~Session() override { --server_->open; }

  void start() { readRequest(); }

  void respond(int status, std::string contentType, std::string body,
               Headers headers) override {
    post([status, contentType = std::move(contentType), body = std::move(body),
          headers = std::move(headers)](Session &s) mutable {
      if (!s.responding_)
        return;
      std::string head = statusLine(status);
      head += "Content-Type: " + contentType + "\r\n";
      head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
      for (auto &[name, value] : headers)
        head += name + ": " + value + "\r\n";
      head += s.keepAlive_ ? "Connection: keep-alive\r\n\r\n"
                           : "Connection: close\r\n\r\n";
      s.enqueue(head + body);
      s.finishResponse();
    });
  }

  void beginStream() override {
    post([](Session &s) {
      if (!s.responding_)
        return;
      s.enqueue(statusLine(200) +
                "Content-Type: text/event-stream\r\n"
                "Cache-Control: no-cache\r\n"
                "Transfer-Encoding: chunked\r\n" +
                (s.keepAlive_ ? "Connection: keep-alive\r\n\r\n"
                              : "Connection: close\r\n\r\n"));
    });
  }

  void send(std::string data) override {
    if (data.empty())
      return; // an empty chunk would end the stream
    post([data = std::move(data)](Session &s) {
      if (!s.responding_)
        return;
      char size[20];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      s.enqueue(size + data + "\r\n");
    });
  }

  void endStream() override {
    post([](Session &s) {
      if (!s.responding_)
        return;
      s.enqueue("0\r\n\r\n");
      s.finishResponse();
    });
  }

  void onDisconnect(std::function<void()> callback) override {
    post([callback = std::move(callback)](Session &s) mutable {
      if (s.closed_) {
        callback();
        return;
      }
      s.onDisconnect_ = std::move(callback);
    });
  }

private:
  template <typename F> void post(F &&f) {
    asio::post(server_->io, [self = shared_from_this(),
                             f = std::forward<F>(f)]() mutable { f(*self); });
  }

  void readRequest() {
    parser_.emplace();
    parser_->body_limit(server_->params.bodyLimit);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, size_t) {
                              self->onHeader(ec);
                            });
  }

  void onHeader(error_code ec) {
    if (ec) {
      onRead(ec);
      return;
    }
    // A client that asks before sending its body (curl does above 1 kB)
    // hears at once that it may go on.
    const auto &head = parser_->get();
    auto expect = head.find(http::field::expect);
    if (expect != head.end() &&
        beast::iequals(expect->value(), "100-continue") &&
        !(parser_->content_length() &&
          *parser_->content_length() > server_->params.bodyLimit))
      enqueue("HTTP/1.1 100 Continue\r\n\r\n");
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, size_t) {
                       self->onRead(ec);
                     });
  }

  void onRead(error_code ec) {
    if (ec == http::error::body_limit) {
      failRequest(413, "the request body exceeds the server's limit of " +
                           std::to_string(server_->params.bodyLimit) +
                           " bytes");
      return;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      close();
      return;
    }
    if (ec) {
      failRequest(400, "malformed HTTP request: " + ec.message());
      return;
    }
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = std::move(message.body());
    auto auth = message.find(http::field::authorization);
    if (auth != message.end())
      request.authorization = std::string(auth->value());
    keepAlive_ = message.keep_alive();
    responding_ = true;
    watch();
    server_->params.handler(std::move(request), shared_from_this());
  }

  /// An error the server answers before any handler runs; the connection
  /// closes after it, since the rest of the request was not read.
  void failRequest(int status, const std::string &message) {
    keepAlive_ = false;
    responding_ = true;
    respond(status, "application/json",
            server_->params.errorBody(status, message), {});
  }

  /// Reads while a response is produced (to notice a client that leaves)
  /// and between requests (to start the next one).
  void watch() {
    socket_.async_read_some(asio::buffer(peek_), [self = shared_from_this()](
                                                     error_code ec, size_t n) {
      self->onWatch(ec, n);
    });
  }

  void onWatch(error_code ec, size_t n) {
    if (ec) {
      close();
      return;
    }
    // Keep what arrived for the parser of the next request.
    buffer_.commit(
        asio::buffer_copy(buffer_.prepare(n), asio::buffer(peek_.data(), n)));
    if (responding_)
      watch();
    else
      readRequest();
  }

  void finishResponse() {
    responding_ = false;
    if (!keepAlive_)
      closeAfterWrite_ = true;
  }

  void enqueue(std::string bytes) {
    if (closed_)
      return;
    out_.push_back(std::move(bytes));
    if (!writing_)
      writeNext();
  }

  void writeNext() {
    if (out_.empty()) {
      writing_ = false;
      if (closeAfterWrite_)
        close();
      return;
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_.front()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        self->out_.pop_front();
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->writeNext();
                      });
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (responding_ && onDisconnect_)
      onDisconnect_();
    onDisconnect_ = nullptr;
    responding_ = false;
  }

  tcp::socket socket_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> peek_;
  std::deque<std::string> out_;
  std::function<void()> onDisconnect_;
  bool keepAlive_ = true;
  bool responding_ = false; ///< a request is being answered
  bool writing_ = false;
  bool closeAfterWrite_ = false;
  bool closed_ = false;
};

} // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(
      [self = shared_from_this()](error_code ec, tcp::socket socket) {
        if (!self->acceptor.is_open())
          return;
        if (!ec) {
          socket.set_option(tcp::no_delay(true), ec);
          std::make_shared<Session>(std::move(socket), self)->start();
        }
        self->accept();
      });
}

StatusOr<std::unique_ptr<HttpServer>>
HttpServer::start(asio::io_context &io, HttpServerParams params) {
  auto impl = std::make_shared<Impl>(io, std::move(params));
  error_code ec;
  const asio::ip::address address =
      asio::ip::make_address(impl->params.host, ec);
  if (ec)
    return Status::error("--host " + impl->params.host +
                         " is not an IP address: " + ec.message());
  const tcp::endpoint endpoint(address, impl->params.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    impl->acceptor.bind(endpoint, ec);
  if (!ec)
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::error("cannot listen on " + impl->params.host + ":" +
                         std::to_string(impl->params.port) + ": " +
                         ec.message());
  impl->accept();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stopAccepting(); }

uint16_t HttpServer::port() const {
  error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::stopAccepting() {
  asio::post(impl_->io, [impl = impl_] {
    error_code ignored;
    impl->acceptor.close(ignored);
  });
}

int64_t HttpServer::openConnections() const { return impl_->open.load(); }

} // namespace llmc::server
