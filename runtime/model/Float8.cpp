// E4M3 conversions, bit by bit rather than through the FPU's rounding mode, so
// that every host rounds exactly as the GPU's cvt instruction does.
#include "runtime/model/Float8.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace llmc {

float e4m3ToFloat(uint8_t code) {
  const bool negative = code & 0x80u;
  const int exponent = (code >> 3) & 0xf;
  const int mantissa = code & 0x7;
  float magnitude;
  if (exponent == 0xf && mantissa == 0x7)
    magnitude = std::numeric_limits<float>::quiet_NaN();
  else if (exponent == 0) // subnormal: mantissa * 2^-9
    magnitude = std::ldexp(float(mantissa), -9);
  else // (8 + mantissa) / 8 * 2^(exponent - 7)
    magnitude = std::ldexp(float(8 + mantissa), exponent - 10);
  return negative ? -magnitude : magnitude;
}

uint8_t floatToE4m3(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  const uint8_t sign = uint8_t((bits >> 24) & 0x80u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u)
    return 0x7f;
  // 448 and above (infinity included) saturate. Below 448 nothing rounds past
  // it: 448 is 1.110b * 2^8, and the next code up, 1.111b * 2^8, is NaN, but
  // only values of at least the midpoint 464 would round to it.
  if (magnitude >= 0x43e00000u) // 448.0f
    return sign | 0x7e;
  const int exponent = int(magnitude >> 23) - 127;
  const uint32_t mantissa = magnitude & 0x7fffffu;
  if (exponent >= -6) {
    // Normal E4M3: keep the top 3 of 23 mantissa bits, rounding the other 20
    // to nearest even. A carry out of the mantissa bumps the exponent, which
    // is the correct result (and stays below 0x7F, see above).
    uint32_t code = (uint32_t(exponent + 7) << 3) | (mantissa >> 20);
    const uint32_t rest = mantissa & 0xfffffu;
    if (rest > 0x80000u || (rest == 0x80000u && (code & 1u)))
      ++code;
    return sign | uint8_t(code);
  }
  // Below 2^-10, half the smallest subnormal, everything rounds to zero (at
  // exactly 2^-10 the tie goes to the even code, zero); float subnormals and
  // zeros land here too.
  if (exponent < -10)
    return sign;
  // E4M3 subnormal: value = significand * 2^(exponent - 23), counted in units
  // of 2^-9: significand >> (14 - exponent), rounded to nearest even.
  const uint32_t significand = mantissa | 0x800000u;
  const uint32_t shift = uint32_t(14 - exponent); // 21 .. 24
  uint32_t quotient = significand >> shift;
  const uint32_t rest = significand & ((1u << shift) - 1u);
  const uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (quotient & 1u)))
    ++quotient; // may become 8, the smallest normal code: still correct
  return sign | uint8_t(quotient);
}

} // namespace llmc
