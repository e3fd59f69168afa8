// OpenAI-shaped error bodies.
#include "runtime/server/ApiError.h"

#include <nlohmann/json.hpp>

namespace llmc::server {

std::string ApiError::body() const {
  auto orNull = [](const std::string &s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  nlohmann::json error = {{"message", message},
                          {"type", type},
                          {"param", orNull(param)},
                          {"code", orNull(code)}};
  // Invalid UTF-8 in a message (e.g. an echoed value) must not throw.
  return nlohmann::json({{"error", error}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError invalidParam(const std::string &param, const std::string &message,
                      const std::string &code) {
  ApiError e;
  e.status = 400;
  e.message = message;
  e.param = param;
  e.code = code;
  return e;
}

} // namespace llmc::server
