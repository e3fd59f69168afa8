// ApiError: an error answered in OpenAI's shape,
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// with its HTTP status. Every refusal of the server goes through it.
#pragma once

#include <string>

namespace llmc::server {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string param; ///< the offending field; "" is written as null
  std::string code;  ///< a machine-readable reason; "" is written as null

  /// The JSON body.
  std::string body() const;
};

/// 400 invalid_request_error about `param`.
ApiError invalidParam(const std::string &param, const std::string &message,
                      const std::string &code = "invalid_value");

} // namespace llmc::server
