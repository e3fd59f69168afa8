// Tests of the E4M3 conversions: every code, the documented constants, and the
// rounding rules (ties to even, subnormals, saturation, signed zero, NaN).
#include "runtime/model/Float8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace llmc {
namespace {

bool isNanCode(int code) { return (code & 0x7f) == 0x7f; }

TEST(Float8, DecodesTheFormatsLandmarks) {
  EXPECT_EQ(e4m3ToFloat(0x00), 0.0f);
  EXPECT_EQ(e4m3ToFloat(0x01), std::ldexp(1.0f, -9)); // smallest subnormal
  EXPECT_EQ(e4m3ToFloat(0x07), 7 * std::ldexp(1.0f, -9));
  EXPECT_EQ(e4m3ToFloat(0x08), std::ldexp(1.0f, -6)); // smallest normal
  EXPECT_EQ(e4m3ToFloat(0x38), 1.0f);                 // exponent = bias
  EXPECT_EQ(e4m3ToFloat(0x39), 1.125f);
  EXPECT_EQ(e4m3ToFloat(0x7E), 448.0f); // largest finite
  EXPECT_EQ(e4m3ToFloat(0x77), 240.0f); // 1.875 * 2^7
  EXPECT_EQ(e4m3ToFloat(0x78), 256.0f); // exponent 15 is not reserved
  EXPECT_EQ(e4m3ToFloat(0xB8), -1.0f);
  EXPECT_EQ(e4m3ToFloat(0xFE), -448.0f);
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(e4m3ToFloat(0xFF)));
  float negativeZero = e4m3ToFloat(0x80);
  EXPECT_EQ(negativeZero, 0.0f);
  EXPECT_TRUE(std::signbit(negativeZero));
}

TEST(Float8, EveryCodeDecodesInOrderAndReencodesToItself) {
  float previous = -1.0f;
  for (int code = 0; code < 256; ++code) {
    float value = e4m3ToFloat(uint8_t(code));
    if (isNanCode(code)) {
      EXPECT_TRUE(std::isnan(value)) << code;
      continue;
    }
    EXPECT_EQ(floatToE4m3(value), code) << "value " << value;
    EXPECT_EQ(std::signbit(value), code >= 0x80) << code;
    // Positive codes are ordered like their values (what makes saturating
    // and rounding by integer increments correct).
    if (code > 0 && code < 0x7f) {
      EXPECT_GT(value, previous) << code;
      previous = value;
    }
  }
}

TEST(Float8, RoundsHalfwayValuesToTheEvenCode) {
  // At 1 (ulp 1/8) 1.0625 lies between 0x38 and 0x39 and goes to even 0x38;
  // 1.1875 between 0x39 and 0x3A goes to 0x3A.
  EXPECT_EQ(floatToE4m3(1.0625f), 0x38);
  EXPECT_EQ(floatToE4m3(1.1875f), 0x3A);
  // Just off the tie rounds to the nearer code.
  EXPECT_EQ(floatToE4m3(std::nextafter(1.0625f, 2.0f)), 0x39);
  EXPECT_EQ(floatToE4m3(std::nextafter(1.1875f, 0.0f)), 0x39);
  // At 2^8 (ulp 32): 272 ties between 256 (0x78) and 288 (0x79).
  EXPECT_EQ(floatToE4m3(272.0f), 0x78);
  EXPECT_EQ(floatToE4m3(304.0f), 0x7A);
  // At 2^-6 (ulp 2^-9, same as the subnormals): 2^-6 + 2^-10 ties to 0x08.
  EXPECT_EQ(floatToE4m3(std::ldexp(1.0f, -6) + std::ldexp(1.0f, -10)), 0x08);
  // A tie across a binade: 1.9375 lies between 1.875 (0x3F) and 2 (0x40).
  EXPECT_EQ(floatToE4m3(1.9375f), 0x40);
  EXPECT_EQ(floatToE4m3(-1.0625f), 0xB8);
}

TEST(Float8, RoundsIntoAndOutOfTheSubnormals) {
  const float unit = std::ldexp(1.0f, -9);   // one subnormal step
  EXPECT_EQ(floatToE4m3(0.5f * unit), 0x00); // tie with zero: to even
  EXPECT_EQ(floatToE4m3(std::nextafter(0.5f * unit, 1.0f)), 0x01);
  EXPECT_EQ(floatToE4m3(1.5f * unit), 0x02); // tie between 1 and 2
  EXPECT_EQ(floatToE4m3(2.5f * unit), 0x02); // tie between 2 and 3
  EXPECT_EQ(floatToE4m3(3.4f * unit), 0x03);
  EXPECT_EQ(floatToE4m3(7.5f * unit), 0x08); // rounds up into the normals
  EXPECT_EQ(floatToE4m3(-6.6f * unit), 0x87);
  EXPECT_EQ(floatToE4m3(0.49f * unit), 0x00);
  EXPECT_EQ(floatToE4m3(-0.49f * unit), 0x80);
  // A float subnormal is far below E4M3's range.
  EXPECT_EQ(floatToE4m3(std::numeric_limits<float>::denorm_min()), 0x00);
}

TEST(Float8, SaturatesFiniteAndInfiniteOverflowToTheLargestValue) {
  EXPECT_EQ(floatToE4m3(448.0f), 0x7E);
  EXPECT_EQ(floatToE4m3(463.9f), 0x7E); // would round to 448 anyway
  EXPECT_EQ(floatToE4m3(464.0f), 0x7E); // the tie with the NaN code
  EXPECT_EQ(floatToE4m3(480.0f), 0x7E);
  EXPECT_EQ(floatToE4m3(1e30f), 0x7E);
  EXPECT_EQ(floatToE4m3(-1e30f), 0xFE);
  EXPECT_EQ(floatToE4m3(std::numeric_limits<float>::infinity()), 0x7E);
  EXPECT_EQ(floatToE4m3(-std::numeric_limits<float>::infinity()), 0xFE);
  EXPECT_EQ(floatToE4m3(std::nextafter(448.0f, 0.0f)), 0x7E);
  EXPECT_EQ(floatToE4m3(431.0f), 0x7D); // below the 432 midpoint: 416
}

TEST(Float8, KeepsTheSignOfZeroAndMapsNanToTheNanCode) {
  EXPECT_EQ(floatToE4m3(0.0f), 0x00);
  EXPECT_EQ(floatToE4m3(-0.0f), 0x80);
  EXPECT_EQ(floatToE4m3(std::numeric_limits<float>::quiet_NaN()), 0x7F);
  EXPECT_EQ(floatToE4m3(-std::numeric_limits<float>::quiet_NaN()), 0x7F);
  EXPECT_EQ(floatToE4m3(kE4m3Max), 0x7E);
}

} // namespace
} // namespace llmc
