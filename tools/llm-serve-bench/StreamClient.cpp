// A blocking HTTP/1.1 client for one streamed request, with manual parsing of
// the chunked framing and of the server-sent events inside it.
#include "StreamClient.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <istream>

namespace llmc::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

StatusOr<ServerAddress> ServerAddress::parse(const std::string &url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return Status::error("--url must start with http://, got " + url);
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));
  ServerAddress a;
  const size_t colon = rest.rfind(':');
  a.host = rest.substr(0, colon);
  a.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (a.host.empty())
    return Status::error("--url has no host: " + url);
  return a;
}

RequestMetrics StreamResult::metrics() const {
  RequestMetrics m = RequestMetrics::fromTimestamps(sent, textTimes);
  if (completionTokens > 1 && !textTimes.empty())
    m.tpotSeconds =
        std::chrono::duration<double>(textTimes.back() - textTimes.front())
            .count() /
        double(completionTokens - 1);
  m.outputTokens = completionTokens;
  return m;
}

namespace {

/// Reads the response's chunked body event by event.
class ChunkedReader {
public:
  ChunkedReader(tcp::socket &socket, asio::streambuf &buffer)
      : socket_(socket), buffer_(buffer) {}

  /// The next chunk's data; empty at the end of the body.
  std::string next() {
    asio::read_until(socket_, buffer_, "\r\n");
    std::istream in(&buffer_);
    std::string sizeLine;
    std::getline(in, sizeLine);
    const size_t size = std::stoul(sizeLine, nullptr, 16);
    const size_t need = size + 2; // data and its CRLF
    if (buffer_.size() < need)
      asio::read(socket_, buffer_,
                 asio::transfer_exactly(need - buffer_.size()));
    std::string data(size, '\0');
    in.read(data.data(), std::streamsize(size));
    in.ignore(2);
    return data;
  }

private:
  tcp::socket &socket_;
  asio::streambuf &buffer_;
};

std::string requestText(const ServerAddress &server, const std::string &method,
                        const std::string &path, const std::string &body) {
  std::string text = method + " " + path + " HTTP/1.1\r\nHost: " + server.host +
                     "\r\nConnection: close\r\n";
  if (!server.apiKey.empty())
    text += "Authorization: Bearer " + server.apiKey + "\r\n";
  if (!body.empty())
    text += "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

/// Reads the status line and headers; returns the status.
int readHead(tcp::socket &socket, asio::streambuf &buffer, bool &chunked) {
  asio::read_until(socket, buffer, "\r\n\r\n");
  std::istream in(&buffer);
  std::string line;
  std::getline(in, line);
  const int status = std::stoi(line.substr(line.find(' ') + 1));
  chunked = false;
  while (std::getline(in, line) && line != "\r") {
    std::string lower = line;
    for (char &c : lower)
      c = char(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("transfer-encoding: chunked") == 0)
      chunked = true;
  }
  return status;
}

std::string readRest(tcp::socket &socket, asio::streambuf &buffer) {
  boost::system::error_code ec;
  asio::read(socket, buffer, asio::transfer_all(), ec);
  return std::string(asio::buffers_begin(buffer.data()),
                     asio::buffers_end(buffer.data()));
}

} // namespace

StreamResult streamRequest(const ServerAddress &server, const std::string &path,
                           const std::string &body) {
  StreamResult result;
  try {
    nlohmann::json request = nlohmann::json::parse(body);
    request["stream"] = true;
    request["stream_options"] = {{"include_usage", true}};
    const bool chat = request.contains("messages");
    asio::io_context io;
    tcp::socket socket(io);
    asio::connect(socket, tcp::resolver(io).resolve(server.host, server.port));
    result.sent = Clock::now();
    asio::write(socket, asio::buffer(
                            requestText(server, "POST", path, request.dump())));
    asio::streambuf buffer;
    bool chunked = false;
    result.status = readHead(socket, buffer, chunked);
    if (result.status != 200 || !chunked) {
      result.error = "HTTP " + std::to_string(result.status) + ": " +
                     readRest(socket, buffer);
      return result;
    }
    ChunkedReader reader(socket, buffer);
    std::string pending;
    bool done = false;
    for (std::string data = reader.next(); !data.empty();
         data = reader.next()) {
      pending += data;
      for (size_t end; (end = pending.find("\n\n")) != std::string::npos;) {
        const std::string event = pending.substr(0, end);
        pending.erase(0, end + 2);
        if (event.compare(0, 6, "data: ") != 0)
          continue;
        const std::string payload = event.substr(6);
        if (payload == "[DONE]") {
          done = true;
          continue;
        }
        const nlohmann::json chunk = nlohmann::json::parse(payload);
        if (chunk.contains("error"))
          throw std::runtime_error(chunk["error"].dump());
        if (chunk.contains("usage") && chunk["usage"].is_object()) {
          result.promptTokens = chunk["usage"]["prompt_tokens"];
          result.completionTokens = chunk["usage"]["completion_tokens"];
        }
        if (!chunk["choices"].empty()) {
          const nlohmann::json &choice = chunk["choices"][0];
          const nlohmann::json &text =
              chat ? choice["delta"].value("content", nlohmann::json(""))
                   : choice["text"];
          if (text.is_string() && !text.get<std::string>().empty()) {
            result.textTimes.push_back(Clock::now());
            result.text += text.get<std::string>();
          }
        }
      }
    }
    result.ok = done;
    if (!done)
      result.error = "the stream ended without [DONE]";
  } catch (const std::exception &e) {
    result.error = e.what();
  }
  return result;
}

StatusOr<std::string> getText(const ServerAddress &server,
                              const std::string &path) {
  try {
    asio::io_context io;
    tcp::socket socket(io);
    asio::connect(socket, tcp::resolver(io).resolve(server.host, server.port));
    asio::write(socket, asio::buffer(requestText(server, "GET", path, "")));
    asio::streambuf buffer;
    bool chunked = false;
    const int status = readHead(socket, buffer, chunked);
    std::string body = readRest(socket, buffer);
    if (status != 200)
      return Status::error("GET " + path + ": HTTP " + std::to_string(status) +
                           ": " + body);
    return body;
  } catch (const std::exception &e) {
    return Status::error("GET " + path + ": " + e.what());
  }
}

} // namespace llmc::bench
