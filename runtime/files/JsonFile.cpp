// Implementation of readJsonFile / parseJson / describeJsonType.
#include "runtime/files/JsonFile.h"

#include "runtime/files/JsonDepth.h"
#include "runtime/files/RegularFile.h"

namespace llmc {

StatusOr<nlohmann::json> parseJson(const std::string &text,
                                   const std::string &source) {
  LLMC_RETURN_IF_ERROR(checkJsonDepth(text, source));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error &e) {
    return Status::error(source + ": malformed JSON at byte " +
                         std::to_string(e.byte) + ": " + e.what());
  } catch (const nlohmann::json::exception &e) {
    return Status::error(source + ": cannot parse JSON: " + e.what());
  }
}

StatusOr<nlohmann::json> readJsonFile(const std::string &path) {
  // A regular file of bounded size only: a path to /dev/zero or a FIFO must
  // fail rather than hang.
  LLMC_ASSIGN_OR_RETURN(std::string text, readRegularFile(path));
  return parseJson(text, path);
}

std::string describeJsonType(const nlohmann::json &value) {
  switch (value.type()) {
  case nlohmann::json::value_t::null:
    return "null";
  case nlohmann::json::value_t::boolean:
    return "a boolean";
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned:
    return "an integer";
  case nlohmann::json::value_t::number_float:
    return "a floating-point number";
  case nlohmann::json::value_t::string:
    return "a string";
  case nlohmann::json::value_t::array:
    return "an array";
  case nlohmann::json::value_t::object:
    return "an object";
  default:
    return "an unsupported JSON value";
  }
}

} // namespace llmc
