// The FP8 weights of a Hugging Face checkpoint whose config.json has an FP8
// quantization_config (HfQuantizationConfig.h): their codes, scales and
// optional static input scales, checked against each other.
//
// Each quantized linear `X.weight` is F8_E4M3 [N, K] and comes with
// `X.weight_scale` (F32, BF16 or F16; [] or [1] per tensor, [N] or [N, 1] per
// output channel) and, with static activation scales, `X.input_scale` (one
// value). Its values are weight[n][k] = e4m3ToFloat(code[n][k]) * scale[n].
// Everything else (embeddings, norms, an ignored lm_head) is a float tensor.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// One validated FP8 linear weight.
struct Fp8CheckpointWeight {
  /// The F8E4M3 [N, K] codes, owned by the WeightStore it was read from.
  const WeightTensor *codes = nullptr;
  /// One scale per output channel, [N]: a per-tensor scale is repeated.
  std::vector<float> scales;
  /// The checkpoint gave one scale for the whole tensor.
  bool perTensor = false;
  /// X.input_scale, read when the quantization has static input scales.
  std::optional<float> inputScale;
};

/// Reads FP8 weight `weightName` ("X.weight") with its scales, checking that
/// it is F8E4M3 of rank 2, that its scale exists with a float dtype and
/// shape `quantization` allows, that every scale is positive and finite, and,
/// when quantization.staticInputScale, that X.input_scale is one such value.
/// Messages name the tensor.
StatusOr<Fp8CheckpointWeight>
readFp8Weight(const WeightStore &weights,
              const WeightQuantization &quantization,
              const std::string &weightName);

/// Every F8E4M3 tensor of `weights`, read with readFp8Weight, by name. Also
/// fails on an F8E4M3 tensor under Scheme::None (codes whose scales nobody
/// declared), on one not named "*.weight", and on a weight_scale or
/// input_scale whose weight is missing or not F8E4M3. Messages name `source`.
StatusOr<std::map<std::string, Fp8CheckpointWeight>>
readFp8Weights(const WeightStore &weights,
               const WeightQuantization &quantization,
               const std::string &source);

/// The float values of weight `name`: dequantized [N, K] when it is F8E4M3,
/// WeightStore::toFloat otherwise: for CPU-side consumers (the interpreter,
/// the reference model) that need any weight as floats.
StatusOr<std::vector<float>>
dequantizeToFloat(const WeightStore &weights,
                  const WeightQuantization &quantization,
                  const std::string &name);

} // namespace llmc
