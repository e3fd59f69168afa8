// ShapeCosts: an engine's launch costs counted from a model config alone, for
// estimates before anything is compiled (llm-estimate CONFIG).
//
// It approximates what the compiler emits after fusion, one launch each:
//   prefill and decode  embed; per layer: rms_norm, qkv projection (+ RoPE and
//                       the KV-cache write), attention (decode: partition +
//                       reduce), o projection (+ residual), rms_norm,
//                       gate/up projection (+ SwiGLU), down projection
//                       (+ residual); final rms_norm and the fp32 logits
//   sample              sampling, slot update
// counted the way the compiler counts its launches (bf16 activations and
// weights, fp32 logits):
//   projection N x K   flops 2*N*K per row; bytes 2*N*K fixed (weights read
//                      once) + inputs and outputs per row
//   attention          flops 4 * heads * head_dim per row per context position;
//                      decode reads K and V, 2 * kv_heads * head_dim * 2 bytes,
//                      per row per context position; prefill reads them once
//                      per 64-row query tile of a KV head
//   prefill logits     over max_slots gathered rows (fixed terms), like the
//                      compiler's RmsNormGather + projection
// Arenas are approximated by the widest activations live at once; the real
// plan comes from the compiler's memory planner.
#pragma once

#include "runtime/estimate/EngineCosts.h"

namespace llmc {

struct ShapeOptions {
  int64_t maxSlots = 1;         ///< decode rows (the compiler's max-slots)
  int64_t maxPrefillTokens = 0; ///< prefill rows per step (> 0)
  int64_t kvBlockSize = 16;     ///< positions per KV block
};

/// Counts the costs of the engine `config` would compile to with `options`.
/// Fails when the config or an option is invalid.
StatusOr<EngineCosts> engineCostsFromConfig(const ModelConfig &config,
                                            const ShapeOptions &options,
                                            const std::string &source);

/// One projection of a [rows, k] bf16 input by an [n, k] bf16 weight: flops
/// 2*n*k per row, the weight read once, `inBytesPerRow` read and
/// `outBytesPerRow` written per row.
LaunchCost projectionCost(int64_t n, int64_t k, double inBytesPerRow,
                          double outBytesPerRow);

} // namespace llmc
