// Reads the `quantization_config` of a Hugging Face config.json: which FP8
// scheme the checkpoint's linear weights use.
//
// Accepted, all FP8 E4M3 with one scale per tensor or per output channel:
//  - quant_method "fp8" (transformers' FineGrainedFP8 without blocks, vLLM's
//    fp8 checkpoints): a scale per tensor; activation_scheme "static" (with
//    calibrated input scales) or "dynamic". A weight_block_size is refused.
//  - "fbgemm_fp8": a scale per output channel, dynamic activations.
//  - "compressed-tensors" (llm-compressor) in format "float-quantized" or
//    "naive-quantized" with a single config group of 8-bit float weights,
//    strategy "tensor" or "channel"; input activations absent, dynamic, or
//    static per tensor. Its kv_cache_scheme does not change the weights and
//    is not read.
// Everything else (other methods, block or group scales, integer or 4-bit
// weights, output activation quantization) is refused naming the field.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace llmc {

/// The quant_method values parseHfQuantizationConfig accepts.
const std::vector<std::string> &supportedHfQuantMethods();

/// Reads `root`'s quantization_config (a whole config.json document); absent
/// or null gives Scheme::None. Messages read "field
/// 'quantization_config.<path>' <problem>" for the caller to prefix with the
/// file.
StatusOr<WeightQuantization>
parseHfQuantizationConfig(const nlohmann::json &root);

} // namespace llmc
