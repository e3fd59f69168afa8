// Implementation of readJsonFile / parseJson / describeJsonType.
#include "compiler/Frontend/JsonFile.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace llmc {

StatusOr<nlohmann::json> parseJson(const std::string &text,
                                   const std::string &source) {
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
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return Status::error(path + ": read error");
  return parseJson(text.str(), path);
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
