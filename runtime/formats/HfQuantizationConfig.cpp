// Implementation of parseHfQuantizationConfig: one reader per quant_method,
// each refusing what would change how the weights must be read.
#include "runtime/formats/HfQuantizationConfig.h"

#include "runtime/files/JsonFile.h"

namespace llmc {

using nlohmann::json;

const std::vector<std::string> &supportedHfQuantMethods() {
  static const std::vector<std::string> kMethods = {"fp8", "fbgemm_fp8",
                                                    "compressed-tensors"};
  return kMethods;
}

namespace {

constexpr const char *kRoot = "quantization_config";

Status fieldError(const std::string &field, const std::string &problem) {
  return Status::error("field '" + std::string(kRoot) + "." + field + "' " +
                       problem);
}

/// obj[key], or nullptr when absent or null (HF writes null for "unset").
const json *lookup(const json &obj, const std::string &key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

/// String field `prefix + key`; `fallback` when absent.
StatusOr<std::string> readString(const json &obj, const std::string &prefix,
                                 const std::string &key,
                                 const std::string &fallback) {
  const json *value = lookup(obj, key);
  if (!value)
    return fallback;
  if (!value->is_string())
    return fieldError(prefix + key, "must be a string, got " +
                                        describeJsonType(*value) + " (" +
                                        value->dump() + ")");
  return value->get<std::string>();
}

/// Appends the strings of list field `key`, if present.
Status readNames(const json &obj, const std::string &key,
                 std::vector<std::string> &out) {
  const json *value = lookup(obj, key);
  if (!value)
    return Status::ok();
  if (!value->is_array())
    return fieldError(key, "must be a list of module names, got " +
                               describeJsonType(*value));
  for (size_t i = 0; i < value->size(); ++i) {
    if (!(*value)[i].is_string())
      return fieldError(key + "[" + std::to_string(i) + "]",
                        "must be a string, got " + (*value)[i].dump());
    out.push_back((*value)[i].get<std::string>());
  }
  return Status::ok();
}

/// transformers' FineGrainedFP8 / vLLM's "fp8": one scale per tensor.
Status readFp8(const json &config, WeightQuantization &q) {
  if (const json *block = lookup(config, "weight_block_size"))
    return fieldError("weight_block_size",
                      "is " + block->dump() +
                          ": block-wise FP8 (weight_block_size) is not "
                          "supported, only a scale per tensor or per output "
                          "channel");
  LLMC_ASSIGN_OR_RETURN(std::string activations,
                        readString(config, "", "activation_scheme", "dynamic"));
  if (activations != "static" && activations != "dynamic")
    return fieldError("activation_scheme",
                      "is '" + activations + "' (supported: static, dynamic)");
  q.scheme = WeightQuantization::Scheme::Fp8PerTensor;
  q.staticInputScale = activations == "static";
  LLMC_RETURN_IF_ERROR(readNames(config, "ignored_layers", q.ignoredModules));
  return readNames(config, "modules_to_not_convert", q.ignoredModules);
}

/// Checks that a compressed-tensors quantization args object (`field`) is
/// 8-bit float, and returns its strategy.
StatusOr<std::string> readFloat8Args(const json &args,
                                     const std::string &field) {
  if (!args.is_object())
    return fieldError(field,
                      "must be an object, got " + describeJsonType(args));
  LLMC_ASSIGN_OR_RETURN(std::string type,
                        readString(args, field + ".", "type", ""));
  if (type != "float")
    return fieldError(
        field + ".type",
        (type.empty() ? std::string("is missing") : "is '" + type + "'") +
            ", but only 'float' (FP8) quantization is "
            "supported");
  const json *bits = lookup(args, "num_bits");
  if (!bits || !bits->is_number_integer() || bits->get<int64_t>() != 8)
    return fieldError(field + ".num_bits",
                      "is " + (bits ? bits->dump() : std::string("missing")) +
                          ", but only 8-bit floats (E4M3) are supported");
  const json *symmetric = lookup(args, "symmetric");
  if (symmetric && *symmetric != true)
    return fieldError(field + ".symmetric",
                      "is " + symmetric->dump() +
                          ", but zero points are not supported");
  return readString(args, field + ".", "strategy", "");
}

/// llm-compressor's compressed-tensors, FP8 schemes only.
Status readCompressedTensors(const json &config, WeightQuantization &q) {
  const json *groups = lookup(config, "config_groups");
  if (!groups || !groups->is_object() || groups->size() != 1)
    return fieldError("config_groups",
                      groups && groups->is_object()
                          ? "has " + std::to_string(groups->size()) +
                                " groups, but exactly one (every quantized "
                                "linear alike) is supported"
                          : std::string("must be an object of one group"));
  const std::string groupName = groups->begin().key();
  const json &group = groups->begin().value();
  const std::string prefix = "config_groups." + groupName;
  if (!group.is_object())
    return fieldError(prefix,
                      "must be an object, got " + describeJsonType(group));

  // The format may sit at the top or, in newer versions, in the group.
  LLMC_ASSIGN_OR_RETURN(std::string groupFormat,
                        readString(group, prefix + ".", "format", ""));
  LLMC_ASSIGN_OR_RETURN(std::string format,
                        readString(config, "", "format", groupFormat));
  const std::string formatField =
      lookup(config, "format") ? "format" : prefix + ".format";
  if (format != "float-quantized" && format != "naive-quantized")
    return fieldError(formatField, format.empty()
                                       ? std::string("is missing")
                                       : "is '" + format +
                                             "' (supported: float-quantized, "
                                             "naive-quantized)");

  const json *weights = lookup(group, "weights");
  if (!weights)
    return fieldError(prefix + ".weights", "is missing");
  LLMC_ASSIGN_OR_RETURN(std::string strategy,
                        readFloat8Args(*weights, prefix + ".weights"));
  if (strategy == "tensor")
    q.scheme = WeightQuantization::Scheme::Fp8PerTensor;
  else if (strategy == "channel")
    q.scheme = WeightQuantization::Scheme::Fp8PerChannel;
  else
    return fieldError(prefix + ".weights.strategy",
                      "is '" + strategy +
                          "', but only 'tensor' and 'channel' scales are "
                          "supported");

  if (const json *inputs = lookup(group, "input_activations")) {
    const std::string field = prefix + ".input_activations";
    LLMC_ASSIGN_OR_RETURN(std::string inputStrategy,
                          readFloat8Args(*inputs, field));
    const json *dynamic = lookup(*inputs, "dynamic");
    if (!dynamic || !dynamic->is_boolean())
      return fieldError(field + ".dynamic", "must be true or false");
    q.staticInputScale = !dynamic->get<bool>();
    if (q.staticInputScale && inputStrategy != "tensor")
      return fieldError(field + ".strategy",
                        "is '" + inputStrategy +
                            "', but static input scales are supported per "
                            "tensor only");
  }
  if (lookup(group, "output_activations"))
    return fieldError(prefix + ".output_activations",
                      "is set, but quantized outputs are not supported");
  return readNames(config, "ignore", q.ignoredModules);
}

} // namespace

StatusOr<WeightQuantization> parseHfQuantizationConfig(const json &root) {
  WeightQuantization q;
  const json *config = lookup(root, kRoot);
  if (!config)
    return q;
  if (!config->is_object())
    return Status::error("field '" + std::string(kRoot) +
                         "' must be an object, got " +
                         describeJsonType(*config));
  LLMC_ASSIGN_OR_RETURN(q.method, readString(*config, "", "quant_method", ""));
  std::string supported;
  for (const std::string &method : supportedHfQuantMethods())
    supported += (supported.empty() ? "" : ", ") + method;
  if (q.method.empty())
    return fieldError("quant_method",
                      "is missing (supported: " + supported + ")");
  if (q.method == "fp8") {
    LLMC_RETURN_IF_ERROR(readFp8(*config, q));
  } else if (q.method == "fbgemm_fp8") {
    q.scheme = WeightQuantization::Scheme::Fp8PerChannel;
    LLMC_RETURN_IF_ERROR(
        readNames(*config, "modules_to_not_convert", q.ignoredModules));
  } else if (q.method == "compressed-tensors") {
    LLMC_RETURN_IF_ERROR(readCompressedTensors(*config, q));
  } else {
    return fieldError("quant_method",
                      "is '" + q.method +
                          "', which is not supported (supported: " + supported +
                          ")");
  }
  return q;
}

} // namespace llmc
