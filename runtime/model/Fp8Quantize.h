// FP8 (E4M3) weights with one scale per output channel: the quantization
// `llm-compile --weight-dtype fp8` applies to bf16/fp32 linear weights, and the
// dequantization every CPU-side consumer (interpreter, reference) uses for
// them and for FP8 checkpoints.
//
// A linear weight is [N, K], row n producing output channel n, so a scale per
// row follows each channel's own range: one outlier row does not cost the
// others their precision, and the scale factors out of the row's dot product
// (y[n] = scale[n] * sum_k code[n][k] * x[k]).
#pragma once

#include "runtime/Status.h"

#include <cstdint>
#include <vector>

namespace llmc {

/// E4M3 codes and the scales that give them values:
///   weight[n][k] = e4m3ToFloat(codes[n * cols + k]) * scales[n]
/// with scales of size rows (per channel) or 1 (per tensor, scales[0] for
/// every row).
struct Fp8Weights {
  int64_t rows = 0;           ///< N, output channels
  int64_t cols = 0;           ///< K, input features
  std::vector<uint8_t> codes; ///< [rows, cols] row-major
  std::vector<float> scales;  ///< [rows] or [1]
};

/// Quantizes the row-major weight [rows, cols] per output channel:
/// scales[n] = amax(row n) / 448, codes = floatToE4m3(w / scales[n]), so each
/// row's largest magnitude maps onto E4M3's largest finite value. Fails,
/// naming the element, on an infinite or NaN weight (its row would have no
/// usable scale) or on negative dimensions.
StatusOr<Fp8Weights> quantizeFp8PerChannel(const float *weight, int64_t rows,
                                           int64_t cols);

/// The float values of codes [rows, cols] under `scales` ([rows] per channel
/// or [1] per tensor), row-major. Fails when the scale count is neither.
StatusOr<std::vector<float>> dequantizeFp8(const uint8_t *codes, int64_t rows,
                                           int64_t cols,
                                           const std::vector<float> &scales);

} // namespace llmc
