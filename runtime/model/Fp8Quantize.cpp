// Per-channel FP8 quantization and its inverse.
#include "runtime/model/Fp8Quantize.h"

#include "runtime/model/Float8.h"

#include <cmath>
#include <string>

namespace llmc {

StatusOr<Fp8Weights> quantizeFp8PerChannel(const float *weight, int64_t rows,
                                           int64_t cols) {
  if (rows < 0 || cols < 0)
    return Status::error("cannot quantize a weight of shape [" +
                         std::to_string(rows) + ", " + std::to_string(cols) +
                         "]");
  Fp8Weights out;
  out.rows = rows;
  out.cols = cols;
  out.codes.resize(size_t(rows * cols));
  out.scales.resize(size_t(rows));
  for (int64_t n = 0; n < rows; ++n) {
    const float *row = weight + n * cols;
    float amax = 0.0f;
    for (int64_t k = 0; k < cols; ++k) {
      if (!std::isfinite(row[k]))
        return Status::error("cannot quantize weight element [" +
                             std::to_string(n) + ", " + std::to_string(k) +
                             "] = " + std::to_string(row[k]) +
                             " to FP8: it is not finite");
      amax = std::fmax(amax, std::fabs(row[k]));
    }
    // An all-zero row gets scale 1, not 0: its codes are zeros either way,
    // and a zero scale would divide by zero here and fail every consumer that
    // checks scales are positive (the FP8 checkpoint reader does).
    const float scale = amax > 0.0f ? amax / kE4m3Max : 1.0f;
    out.scales[size_t(n)] = scale;
    // Dividing (not multiplying by 1 / scale) rounds once, so a value that is
    // code * scale exactly comes back as that code. amax / scale may land a
    // hair above 448; floatToE4m3 saturates it to 448 instead of NaN.
    for (int64_t k = 0; k < cols; ++k)
      out.codes[size_t(n * cols + k)] = floatToE4m3(row[k] / scale);
  }
  return out;
}

StatusOr<std::vector<float>> dequantizeFp8(const uint8_t *codes, int64_t rows,
                                           int64_t cols,
                                           const std::vector<float> &scales) {
  if (rows < 0 || cols < 0)
    return Status::error("cannot dequantize FP8 codes of shape [" +
                         std::to_string(rows) + ", " + std::to_string(cols) +
                         "]");
  if (scales.size() != 1 && scales.size() != size_t(rows))
    return Status::error("FP8 codes of " + std::to_string(rows) +
                         " rows need 1 scale (per "
                         "tensor) or " +
                         std::to_string(rows) + " (per channel), got " +
                         std::to_string(scales.size()));
  std::vector<float> out(size_t(rows * cols));
  for (int64_t n = 0; n < rows; ++n) {
    const float scale = scales.size() == 1 ? scales[0] : scales[size_t(n)];
    for (int64_t k = 0; k < cols; ++k)
      out[size_t(n * cols + k)] = e4m3ToFloat(codes[n * cols + k]) * scale;
  }
  return out;
}

} // namespace llmc
