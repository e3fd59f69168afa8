// The JSON form of a ModelConfig inside an engine's manifest.json. It is our
// own spelling (every field explicit, nothing defaulted), not Hugging Face's
// config.json, so an engine never depends on how an importer filled defaults.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace llmc {

nlohmann::json toJson(const ModelConfig &config);
/// Parses and validates; messages name `source` and the field.
StatusOr<ModelConfig> modelConfigFromJson(const nlohmann::json &json,
                                          const std::string &source);

} // namespace llmc
