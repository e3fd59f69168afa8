// FP8 E4M3 (OCP float8_e4m3fn) values: the element type of FP8 checkpoints
// and of FP8 weights in engines.
//
// Layout: 1 sign, 4 exponent (bias 7), 3 mantissa bits. There are no
// infinities; S.1111.111 (0x7F, 0xFF) is NaN, so the largest finite magnitude
// is 1.75 * 2^8 = 448. Exponent 0 holds subnormals m * 2^-9.
#pragma once

#include <cstdint>

namespace llmc {

/// The largest finite E4M3 magnitude: quantizers scale weights so that a row's
/// largest magnitude lands here.
inline constexpr float kE4m3Max = 448.0f;

/// The value of an E4M3 code (exact in float); 0x7F and 0xFF are NaN.
float e4m3ToFloat(uint8_t code);

/// Round-to-nearest-even float -> E4M3. Magnitudes past 448, infinities
/// included, saturate to +-448 (the GPU's cvt.satfinite, and torch's
/// to(float8_e4m3fn) after the clamp every quantizer applies) rather than
/// becoming NaN, since E4M3 has no infinity to overflow into. NaN becomes
/// 0x7F. The sign survives down to zero (-0.0 -> 0x80).
uint8_t floatToE4m3(float value);

} // namespace llmc
