// StreamClient: one streamed request to an OpenAI-compatible server, timed.
// It posts a completion or chat body with "stream": true and
// stream_options.include_usage, reads the server-sent events as they arrive
// (chunked transfer encoding over a blocking loopback socket), and records
// when each event with text arrived and the usage the server reported.
#pragma once

#include "runtime/Status.h"
#include "runtime/metrics/RequestMetrics.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::bench {

struct ServerAddress {
  std::string host = "127.0.0.1";
  std::string port = "8000";
  std::string apiKey;

  /// From "http://HOST:PORT" (the path, if any, is ignored).
  static StatusOr<ServerAddress> parse(const std::string &url);
};

struct StreamResult {
  bool ok = false;
  std::string error; ///< when !ok
  int status = 0;
  std::string text; ///< the generated text, concatenated
  Clock::time_point sent;
  std::vector<Clock::time_point> textTimes;       ///< one per event with text
  int64_t promptTokens = 0, completionTokens = 0; ///< from the usage chunk

  /// Latencies, with one "token" per text event (a server may pack several
  /// tokens into one event; TPOT then uses completionTokens).
  RequestMetrics metrics() const;
};

/// Sends `body` (a JSON object without "stream") to `path` and reads the
/// whole stream. Never throws: failures come back in the result.
StreamResult streamRequest(const ServerAddress &server, const std::string &path,
                           const std::string &body);

/// GET `path`: the body, or an error.
StatusOr<std::string> getText(const ServerAddress &server,
                              const std::string &path);

} // namespace llmc::bench
