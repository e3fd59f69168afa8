// Implementation of the FP8 checkpoint reader: scale lookup, shape and value
// checks, and dequantization.
#include "runtime/formats/Fp8Checkpoint.h"

#include "runtime/model/Fp8Quantize.h"

#include <cmath>
#include <cstdio>

namespace llmc {

namespace {

const std::string kWeightSuffix = ".weight";
const std::string kScaleSuffix = ".weight_scale";
const std::string kInputScaleSuffix = ".input_scale";

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string schemeDescription(const WeightQuantization &q) {
  const char *scales = q.scheme == WeightQuantization::Scheme::Fp8PerTensor
                           ? "a scale per tensor"
                           : "a scale per output channel";
  return "quant_method '" + q.method + "' (" + scales + ")";
}

/// "%g": tiny and huge scales stay readable, unlike std::to_string's "%f".
std::string formatScale(float value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", double(value));
  return text;
}

/// The values of scale tensor `t`: a float dtype (f32 usually; bf16 or f16
/// when llm-compressor saved them in the model's dtype), each positive and
/// finite.
StatusOr<std::vector<float>> readScales(const WeightStore &weights,
                                        const WeightTensor &t) {
  if (t.dtype == DType::F8E4M3)
    return Status::error("scale tensor '" + t.name +
                         "' is f8e4m3, but FP8 scales must be f32, bf16 or "
                         "f16");
  LLMC_ASSIGN_OR_RETURN(std::vector<float> values, weights.toFloat(t.name));
  for (size_t i = 0; i < values.size(); ++i)
    // A zero, negative or non-finite scale has no inverse, so nothing could
    // have been quantized with it: the file is corrupt.
    if (!(values[i] > 0.0f) || !std::isfinite(values[i]))
      return Status::error("scale tensor '" + t.name + "' element " +
                           std::to_string(i) + " is " + formatScale(values[i]) +
                           ", but FP8 scales must be positive and finite");
  return values;
}

bool isScalarShape(const std::vector<int64_t> &shape) {
  return shape.empty() || shape == std::vector<int64_t>{1};
}

} // namespace

StatusOr<Fp8CheckpointWeight>
readFp8Weight(const WeightStore &weights,
              const WeightQuantization &quantization,
              const std::string &weightName) {
  LLMC_ASSIGN_OR_RETURN(const WeightTensor *codes, weights.get(weightName));
  if (codes->dtype != DType::F8E4M3)
    return Status::error("weight '" + weightName + "' is " +
                         dtypeName(codes->dtype) + ", not f8e4m3");
  if (quantization.scheme == WeightQuantization::Scheme::None)
    return Status::error("weight '" + weightName +
                         "' is f8e4m3, but config.json has no FP8 "
                         "quantization_config to say how it is scaled");
  if (!endsWith(weightName, kWeightSuffix))
    return Status::error("f8e4m3 tensor '" + weightName +
                         "' is not a linear weight ('*.weight'), the only "
                         "tensors FP8 checkpoints quantize");
  if (codes->shape.size() != 2)
    return Status::error("f8e4m3 weight '" + weightName + "' has shape " +
                         shapeToString(codes->shape) +
                         ", but FP8 weights are matrices [N, K]");
  const int64_t rows = codes->shape[0];
  const std::string base =
      weightName.substr(0, weightName.size() - kWeightSuffix.size());

  Fp8CheckpointWeight out;
  out.codes = codes;
  const std::string scaleName = base + kScaleSuffix;
  const WeightTensor *scale = weights.find(scaleName);
  if (!scale)
    return Status::error("f8e4m3 weight '" + weightName +
                         "' has no scale tensor '" + scaleName + "'");
  out.perTensor =
      quantization.scheme == WeightQuantization::Scheme::Fp8PerTensor;
  const bool shapeOk = out.perTensor
                           ? isScalarShape(scale->shape)
                           : scale->shape == std::vector<int64_t>{rows} ||
                                 scale->shape == std::vector<int64_t>{rows, 1};
  if (!shapeOk)
    return Status::error("scale tensor '" + scaleName + "' has shape " +
                         shapeToString(scale->shape) + ", but " +
                         schemeDescription(quantization) + " needs " +
                         (out.perTensor
                              ? std::string("[] or [1]")
                              : "[" + std::to_string(rows) + "] or [" +
                                    std::to_string(rows) + ", 1]") +
                         " for weight " + shapeToString(codes->shape));
  LLMC_ASSIGN_OR_RETURN(out.scales, readScales(weights, *scale));
  if (out.perTensor)
    out.scales.assign(size_t(rows), out.scales.front());

  if (quantization.staticInputScale) {
    const std::string inputName = base + kInputScaleSuffix;
    const WeightTensor *input = weights.find(inputName);
    if (!input)
      return Status::error("f8e4m3 weight '" + weightName +
                           "' has no input scale '" + inputName +
                           "', which static activation scales need");
    if (!isScalarShape(input->shape))
      return Status::error("input scale '" + inputName + "' has shape " +
                           shapeToString(input->shape) +
                           ", but must be one value ([] or [1])");
    LLMC_ASSIGN_OR_RETURN(std::vector<float> value,
                          readScales(weights, *input));
    out.inputScale = value.front();
  }
  return out;
}

StatusOr<std::map<std::string, Fp8CheckpointWeight>>
readFp8Weights(const WeightStore &weights,
               const WeightQuantization &quantization,
               const std::string &source) {
  std::map<std::string, Fp8CheckpointWeight> result;
  for (const std::string &name : weights.names()) {
    const WeightTensor &t = *weights.find(name);
    if (t.dtype == DType::F8E4M3) {
      auto weight = readFp8Weight(weights, quantization, name);
      if (!weight)
        return weight.status().withContext(source);
      result.emplace(name, std::move(*weight));
      continue;
    }
    // A scale must belong to an FP8 weight: one beside a float weight means
    // the checkpoint and the loader disagree about which tensors are
    // quantized.
    for (const std::string *suffix : {&kScaleSuffix, &kInputScaleSuffix}) {
      if (!endsWith(name, *suffix))
        continue;
      const std::string weightName =
          name.substr(0, name.size() - suffix->size()) + kWeightSuffix;
      const WeightTensor *weight = weights.find(weightName);
      if (!weight || weight->dtype != DType::F8E4M3)
        return Status::error(
            source + ": tensor '" + name + "' scales weight '" + weightName +
            "', which is " +
            (weight ? std::string(dtypeName(weight->dtype)) + ", not f8e4m3"
                    : std::string("missing")));
    }
  }
  return result;
}

StatusOr<std::vector<float>>
dequantizeToFloat(const WeightStore &weights,
                  const WeightQuantization &quantization,
                  const std::string &name) {
  LLMC_ASSIGN_OR_RETURN(const WeightTensor *t, weights.get(name));
  if (t->dtype != DType::F8E4M3)
    return weights.toFloat(name);
  LLMC_ASSIGN_OR_RETURN(Fp8CheckpointWeight weight,
                        readFp8Weight(weights, quantization, name));
  return dequantizeFp8(t->bytes(), t->shape[0], t->shape[1], weight.scales);
}

} // namespace llmc
