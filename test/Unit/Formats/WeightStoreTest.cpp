// Tests of llmc_model: half-precision conversions, synthetic values, storage
// and the WeightStore, and ModelConfig's checks.
#include "runtime/model/WeightStore.h"
#include "runtime/model/ModelConfig.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace llmc {
namespace {

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// A real (non-synthetic) tensor over `storage`.
WeightTensor real(const std::string &name, DType dtype,
                  std::vector<int64_t> shape, std::shared_ptr<Storage> storage,
                  size_t offset) {
  WeightTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.storage = std::move(storage);
  t.offset = offset;
  return t;
}

uint32_t toBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

TEST(Bf16, RoundsToNearestWithTiesToEven) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
  // Exactly halfway between 0x3f80 and 0x3f81: the even one (0x3f80) wins.
  EXPECT_EQ(floatToBf16(fromBits(0x3f808000)), 0x3f80);
  // Halfway between 0x3f81 and 0x3f82: again the even one, now upward.
  EXPECT_EQ(floatToBf16(fromBits(0x3f818000)), 0x3f82);
  // Just above halfway rounds up, just below rounds down.
  EXPECT_EQ(floatToBf16(fromBits(0x3f808001)), 0x3f81);
  EXPECT_EQ(floatToBf16(fromBits(0x3f807fff)), 0x3f80);
  EXPECT_EQ(floatToBf16(-2.0f), 0xc000);
}

TEST(Bf16, OverflowsToInfinityAndKeepsNan) {
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(floatToBf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(floatToBf16(-std::numeric_limits<float>::infinity()), 0xff80);
  // A NaN whose payload sits only in the low bits must not round to infinity.
  uint16_t nan = floatToBf16(fromBits(0x7f800001));
  EXPECT_TRUE(std::isnan(bf16ToFloat(nan))) << std::hex << nan;
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(std::nanf("")))));
}

TEST(Bf16, EveryNonNanPatternRoundTripsExactly) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float f = bf16ToFloat(uint16_t(bits));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToBf16(f), bits) << "bf16 0x" << std::hex << bits;
  }
}

TEST(F16, DecodesNormalsSubnormalsInfinitiesAndNan) {
  EXPECT_EQ(f16ToFloat(0x3c00), 1.0f);
  EXPECT_EQ(f16ToFloat(0xc000), -2.0f);
  EXPECT_EQ(f16ToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(f16ToFloat(0x0400), std::ldexp(1.0f, -14)); // smallest normal
  EXPECT_EQ(f16ToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
  EXPECT_EQ(f16ToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(toBits(f16ToFloat(0x8000)), 0x80000000u); // -0
  EXPECT_EQ(f16ToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(f16ToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16ToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(f16ToFloat(0x7c01)));
}

TEST(F16, EncodesWithRoundToNearestEvenAndRange) {
  EXPECT_EQ(floatToF16(1.0f), 0x3c00);
  EXPECT_EQ(floatToF16(65504.0f), 0x7bff);
  // 65520 is halfway to 2^16; ties go to even, which is infinity.
  EXPECT_EQ(floatToF16(65520.0f), 0x7c00);
  EXPECT_EQ(floatToF16(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  EXPECT_EQ(floatToF16(1e6f), 0x7c00);
  EXPECT_EQ(floatToF16(-1e6f), 0xfc00);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0).
  EXPECT_EQ(floatToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 is halfway between odd 0x3c01 and even 0x3c02.
  EXPECT_EQ(floatToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Subnormals: 2^-24 exactly, 2^-25 ties to even (zero), 1.5 * 2^-25 rounds
  // up.
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToF16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(floatToF16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(floatToF16(std::ldexp(3.0f, -25)), 0x0002); // 1.5 ulp: to even
  EXPECT_EQ(floatToF16(-std::ldexp(1.0f, -26)), 0x8000);
  // The largest subnormal plus half an ulp rounds up into the smallest normal.
  EXPECT_EQ(floatToF16(std::ldexp(1023.5f, -24)), 0x0400);
  EXPECT_EQ(floatToF16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(floatToF16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(fromBits(0x7f800001)))));
  EXPECT_TRUE(std::isnan(f16ToFloat(floatToF16(-std::nanf("")))));
}

TEST(F16, EveryNonNanPatternRoundTripsExactly) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float f = f16ToFloat(uint16_t(bits));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(floatToF16(f), bits) << "f16 0x" << std::hex << bits;
  }
}

TEST(Synthetic, IsDeterministicAndSliceIndependent) {
  SyntheticSpec spec;
  spec.seed = 42;
  std::vector<float> whole(1000), again(1000), slice(100);
  generateSynthetic(spec, 0, 1000, whole.data());
  generateSynthetic(spec, 0, 1000, again.data());
  EXPECT_EQ(whole, again);
  generateSynthetic(spec, 537, 100, slice.data());
  for (int k = 0; k < 100; ++k)
    ASSERT_EQ(slice[k], whole[537 + k]) << "element " << 537 + k;
  // Far-away indices (beyond 2^32) are just as addressable.
  float far1, far2[3];
  generateSynthetic(spec, int64_t(1) << 33, 1, &far1);
  generateSynthetic(spec, (int64_t(1) << 33) - 1, 3, far2);
  EXPECT_EQ(far1, far2[1]);
}

TEST(Synthetic, DifferentSeedsGiveDifferentValues) {
  SyntheticSpec a, b;
  a.seed = 1;
  b.seed = 2;
  std::vector<float> va(64), vb(64);
  generateSynthetic(a, 0, 64, va.data());
  generateSynthetic(b, 0, 64, vb.data());
  int equal = 0;
  for (int i = 0; i < 64; ++i)
    equal += va[i] == vb[i];
  EXPECT_LT(equal, 4);
}

TEST(Synthetic, NormalHasRequestedMomentsAndBounds) {
  SyntheticSpec spec;
  spec.seed = 7;
  spec.mean = 0.5f;
  spec.stddev = 0.02f;
  const int64_t n = 1 << 20;
  std::vector<float> v(n);
  generateSynthetic(spec, 0, n, v.data());
  double sum = 0, sumSq = 0, maxAbs = 0;
  for (float x : v) {
    sum += x;
    sumSq += double(x - 0.5) * double(x - 0.5);
    maxAbs = std::max(maxAbs, std::abs(double(x) - 0.5));
  }
  double mean = sum / n, stddev = std::sqrt(sumSq / n);
  // Sampling error of the mean is stddev / sqrt(n) ~ 2e-5; of the stddev
  // ~ stddev / sqrt(2n) ~ 1.4e-5. Tolerances are ~10 sigma.
  EXPECT_NEAR(mean, 0.5, 2e-4);
  EXPECT_NEAR(stddev, 0.02, 2e-4);
  // Irwin-Hall with four terms is bounded by 2 * sqrt(3) standard deviations.
  EXPECT_LE(maxAbs, 0.02 * 2 * std::sqrt(3.0) + 1e-6);
  EXPECT_GT(maxAbs, 0.02 * 2.5); // but it does reach into the tails
}

TEST(Synthetic, ConstantFillsEveryElement) {
  SyntheticSpec spec;
  spec.kind = SyntheticSpec::Kind::Constant;
  spec.constant = 1.0f;
  std::vector<float> v(17, 0.0f);
  generateSynthetic(spec, 5, 17, v.data());
  for (float x : v)
    EXPECT_EQ(x, 1.0f);
}

TEST(WeightStore, ConvertsEachDtypeToFloat) {
  std::vector<uint8_t> bytes;
  test::append<float>(bytes, 1.5f);
  test::append<float>(bytes, -2.25f);
  test::append<uint16_t>(bytes, floatToBf16(3.0f));
  test::append<uint16_t>(bytes, 0x3555); // f16 0.333251953125
  auto storage = ownBytes(bytes);
  WeightStore store;
  WeightTensor f32 = real("a", DType::F32, {2}, storage, 0);
  WeightTensor bf16 = real("b", DType::BF16, {1}, storage, 8);
  // Offset 10 is not 4-aligned; conversion must not care.
  WeightTensor f16 = real("c", DType::F16, {1}, storage, 10);
  ASSERT_TRUE(store.add(f32));
  ASSERT_TRUE(store.add(bf16));
  ASSERT_TRUE(store.add(f16));
  EXPECT_EQ(store.toFloat("a").value(), (std::vector<float>{1.5f, -2.25f}));
  EXPECT_EQ(store.toFloat("b").value(), std::vector<float>{3.0f});
  EXPECT_EQ(store.toFloat("c").value(), std::vector<float>{0.333251953125f});
  EXPECT_EQ(store.totalBytes(), 12u);
  EXPECT_EQ(store.names(), (std::vector<std::string>{"a", "b", "c"}));
  auto missing = store.toFloat("d");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.status().message().find("'d'"), std::string::npos);
}

TEST(WeightStore, F8E4M3IsOneByteAndNeverReadAsPlainFloats) {
  EXPECT_EQ(dtypeSize(DType::F8E4M3), 1u);
  EXPECT_STREQ(dtypeName(DType::F8E4M3), "f8e4m3");
  auto storage = ownBytes({0x38, 0x40, 0x7E});
  WeightStore store;
  // Three bytes at offset 0 fit: the size counts one byte per element.
  ASSERT_TRUE(store.add(real("w", DType::F8E4M3, {3}, storage, 0)));
  EXPECT_EQ(store.totalBytes(), 3u);
  EXPECT_FALSE(store.add(real("x", DType::F8E4M3, {2}, storage, 2)));
  // Codes without their scale are not the weight's values.
  auto values = store.toFloat("w");
  ASSERT_FALSE(values);
  EXPECT_NE(values.status().message().find("'w' is f8e4m3"), std::string::npos)
      << values.status().message();

  WeightTensor synthetic;
  synthetic.name = "s";
  synthetic.dtype = DType::F8E4M3;
  synthetic.shape = {4};
  synthetic.isSynthetic = true;
  Status refused = store.add(synthetic);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("synthetic tensor 's' cannot be f8e4m3"),
            std::string::npos)
      << refused.message();
}

TEST(WeightStore, RefusesDuplicatesAndTensorsOutsideTheirStorage) {
  auto storage = ownBytes(std::vector<uint8_t>(16));
  WeightStore store;
  ASSERT_TRUE(store.add(real("w", DType::F32, {4}, storage, 0)));
  Status dup = store.add(real("w", DType::F32, {1}, storage, 0));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.message().find("duplicate tensor 'w'"), std::string::npos);
  Status outside = store.add(real("x", DType::F32, {2}, storage, 12));
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.message().find("does not fit"), std::string::npos);
  EXPECT_FALSE(store.add(real("y", DType::F32, {1}, nullptr, 0)));
  EXPECT_EQ(store.size(), 1u);
}

TEST(WeightStore, SyntheticBf16TensorReadsAsRoundedValues) {
  WeightTensor t;
  t.name = "s";
  t.dtype = DType::BF16;
  t.shape = {3, 5};
  t.isSynthetic = true;
  t.synthetic.seed = 9;
  WeightStore store;
  ASSERT_TRUE(store.add(t));
  EXPECT_EQ(store.find("s")->bytes(), nullptr);
  std::vector<float> raw(15);
  generateSynthetic(t.synthetic, 0, 15, raw.data());
  std::vector<float> values = store.toFloat("s").value();
  ASSERT_EQ(values.size(), 15u);
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(values[i], bf16ToFloat(floatToBf16(raw[i])));
}

TEST(Storage, MapsFileReadOnlyAndNamesMissingFiles) {
  test::TempDir dir;
  test::writeText(dir.file("data.bin"), "hello");
  auto mapped = mapFile(dir.file("data.bin"));
  ASSERT_TRUE(mapped) << mapped.status().message();
  ASSERT_EQ((*mapped)->size(), 5u);
  EXPECT_EQ(std::memcmp((*mapped)->data(), "hello", 5), 0);

  test::writeText(dir.file("empty.bin"), "");
  auto empty = mapFile(dir.file("empty.bin"));
  ASSERT_TRUE(empty);
  EXPECT_EQ((*empty)->size(), 0u);

  auto missing = mapFile(dir.file("absent.bin"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.status().message().find("absent.bin"), std::string::npos);
  EXPECT_FALSE(mapFile(dir.path().string())); // a directory
}

ModelConfig tinyConfig() {
  ModelConfig c;
  c.name = "tiny";
  c.dim = 8;
  c.numLayers = 2;
  c.numHeads = 4;
  c.numKvHeads = 2;
  c.headDim = 2;
  c.ffnDim = 16;
  c.vocabSize = 10;
  c.maxSeqLen = 32;
  return c;
}

TEST(ModelConfig, CountsParametersFromShapes) {
  ModelConfig c = tinyConfig();
  ASSERT_TRUE(c.validate("tiny.json"));
  // embed 80 + lm_head 80 + 2 * (q 64 + k 32 + v 32 + o 64 + ffn 384 + norms
  // 16)
  // + final norm 8.
  EXPECT_EQ(c.parameterCount(),
            80 + 80 + 2 * (64 + 32 + 32 + 64 + 384 + 16) + 8);
  c.tieWordEmbeddings = true;
  EXPECT_EQ(c.parameterCount(), 80 + 2 * (64 + 32 + 32 + 64 + 384 + 16) + 8);
}

TEST(ModelConfig, RejectsInconsistentShapesNamingTheSource) {
  ModelConfig c = tinyConfig();
  c.numKvHeads = 3;
  Status s = c.validate("bad.json");
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("bad.json"), std::string::npos);
  EXPECT_NE(s.message().find("num_kv_heads (3)"), std::string::npos);

  c = tinyConfig();
  c.headDim = 3;
  EXPECT_FALSE(c.validate("x"));
  c = tinyConfig();
  c.ffnDim = 0;
  EXPECT_FALSE(c.validate("x"));
  c = tinyConfig();
  c.eosTokenId = 10; // == vocab
  EXPECT_FALSE(c.validate("x"));
  c = tinyConfig();
  c.ropeScaling.kind = RopeScaling::Kind::Llama3;
  c.ropeScaling.lowFreqFactor = 4.0;
  c.ropeScaling.highFreqFactor = 4.0;
  EXPECT_FALSE(c.validate("x"));
}

} // namespace
} // namespace llmc
