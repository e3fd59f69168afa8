// Reading JSON files for the format readers (config.json, safetensors indexes):
// one place that turns I/O failures and nlohmann's parse errors into a Status
// naming the file and the byte offset, so no JSON exception leaves a
// reader.
#pragma once

#include "runtime/Status.h"

#include <nlohmann/json.hpp>
#include <string>

namespace llmc {

/// Reads and parses the JSON file at `path`.
StatusOr<nlohmann::json> readJsonFile(const std::string &path);

/// Parses `text`; `source` names it in the message of a syntax error, which
/// carries nlohmann's byte offset.
StatusOr<nlohmann::json> parseJson(const std::string &text,
                                   const std::string &source);

/// "an integer", "a floating-point number", "a string", ... for messages.
std::string describeJsonType(const nlohmann::json &value);

} // namespace llmc
