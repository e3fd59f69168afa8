// HttpServer: an event-driven HTTP/1.1 server on Boost.Asio, requests parsed
// by Boost.Beast. One I/O thread serves every connection (no thread per
// connection); handlers hand work to other threads and answer through the
// request's HttpExchange, whose methods may be called from any thread.
//
// Responses are written as plain HTTP/1.1: a whole body with Content-Length,
// or a stream (server-sent events) in chunked transfer encoding. While a
// request is being answered the connection is still read, so a client that
// goes away is noticed at once and the exchange's disconnect callback runs
// (the OpenAI server cancels the request there). Bytes a client sends ahead
// (pipelining) are kept for the next request.
#pragma once

#include "runtime/Status.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmc::server {

struct HttpRequest {
  std::string method; ///< "GET", "POST", ...
  std::string target; ///< path and query, e.g. "/v1/completions"
  std::string body;
  std::string authorization; ///< the Authorization header, "" when absent
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// The reply channel of one request. Thread-safe; every call is carried out
/// on the I/O thread in call order. Calls after the connection closed are
/// ignored.
class HttpExchange {
public:
  virtual ~HttpExchange() = default;
  /// A whole response.
  virtual void respond(int status, std::string contentType, std::string body,
                       Headers headers = {}) = 0;
  /// Starts a 200 response of server-sent events; send() its chunks and end
  /// it with endStream().
  virtual void beginStream() = 0;
  virtual void send(std::string data) = 0;
  virtual void endStream() = 0;
  /// `callback` runs once, on the I/O thread, if the client disconnects
  /// before the response ended.
  virtual void onDisconnect(std::function<void()> callback) = 0;
};

using HttpHandler =
    std::function<void(HttpRequest, std::shared_ptr<HttpExchange>)>;

struct HttpServerParams {
  std::string host = "127.0.0.1";
  uint16_t port = 8000; ///< 0: any free port (see HttpServer::port())
  uint64_t bodyLimit = 1 << 20;
  /// Called on the I/O thread for every complete request.
  HttpHandler handler;
  /// The body of an error the server itself answers (413, 400 for
  /// unparsable HTTP), as application/json.
  std::function<std::string(int status, const std::string &message)> errorBody;
};

class HttpServer {
public:
  /// Binds and starts accepting on `io` (which the caller runs).
  static StatusOr<std::unique_ptr<HttpServer>>
  start(boost::asio::io_context &io, HttpServerParams params);
  ~HttpServer();

  uint16_t port() const;
  /// Closes the listening socket; open connections keep being served.
  void stopAccepting();
  /// Connections open now.
  int64_t openConnections() const;

  struct Impl;

private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

} // namespace llmc::server
