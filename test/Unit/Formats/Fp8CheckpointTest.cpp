// Tests of the FP8 checkpoint reader: safetensors files holding F8_E4M3
// weights with their scales, written, loaded the normal way, validated and
// dequantized; and one test per way the scales can be wrong.
#include "runtime/formats/Fp8Checkpoint.h"
#include "runtime/formats/Safetensors.h"
#include "runtime/formats/SafetensorsWriter.h"
#include "runtime/model/Float8.h"
#include "runtime/model/Fp8Quantize.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

namespace llmc {
namespace {

using Scheme = WeightQuantization::Scheme;

#define EXPECT_CONTAINS(text, fragment)                                        \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)               \
      << "missing '" << (fragment) << "' in: " << (text)

const std::string kProj = "model.layers.0.self_attn.q_proj";

WeightTensor rawTensor(const std::string &name, DType dtype,
                       std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
  WeightTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.storage = ownBytes(std::move(bytes));
  return t;
}

WeightTensor floatTensor(const std::string &name, DType dtype,
                         std::vector<int64_t> shape,
                         const std::vector<float> &values) {
  std::vector<uint8_t> bytes;
  for (float v : values) {
    if (dtype == DType::BF16)
      test::append<uint16_t>(bytes, floatToBf16(v));
    else if (dtype == DType::F16)
      test::append<uint16_t>(bytes, floatToF16(v));
    else
      test::append<float>(bytes, v);
  }
  return rawTensor(name, dtype, std::move(shape), std::move(bytes));
}

/// The weights [3, 4] every test quantizes: rows of different ranges.
const std::vector<float> kWeight = {0.5f,  -1.0f, 0.25f,  2.0f, //
                                    0.01f, 0.02f, -0.03f, 0.0f, //
                                    100,   -50,   25,     -12.5f};

WeightQuantization scheme(Scheme s, bool staticInputScale = false) {
  WeightQuantization q;
  q.scheme = s;
  q.method = "test";
  q.staticInputScale = staticInputScale;
  return q;
}

/// Writes `original` as one safetensors file and loads it back, as loadModel
/// would.
WeightStore roundTrip(const WeightStore &original) {
  test::TempDir dir;
  const std::string path = dir.file("model.safetensors");
  EXPECT_TRUE(writeSafetensors(path, original));
  WeightStore loaded;
  Status status = loadSafetensors(path, loaded);
  EXPECT_TRUE(status) << status.message();
  return loaded; // the mapping outlives the deleted file
}

/// kWeight quantized per channel as kProj.weight, with a [3, 1] f32 scale.
WeightStore perChannelStore() {
  Fp8Weights q = quantizeFp8PerChannel(kWeight.data(), 3, 4).value();
  WeightStore store;
  EXPECT_TRUE(
      store.add(rawTensor(kProj + ".weight", DType::F8E4M3, {3, 4}, q.codes)));
  EXPECT_TRUE(store.add(
      floatTensor(kProj + ".weight_scale", DType::F32, {3, 1}, q.scales)));
  EXPECT_TRUE(store.add(
      floatTensor("model.norm.weight", DType::BF16, {4}, {1, 2, 3, 4})));
  return store;
}

/// readFp8Weights' error on `store` under `q`.
std::string refusal(const WeightStore &store, const WeightQuantization &q) {
  auto weights = readFp8Weights(store, q, "ckpt");
  EXPECT_FALSE(weights) << "expected a refusal";
  if (weights)
    return "";
  EXPECT_CONTAINS(weights.status().message(), "ckpt: ");
  return weights.status().message();
}

TEST(Fp8Checkpoint, ReadsPerChannelWeightsThroughTheSafetensorsLoader) {
  WeightStore store = roundTrip(perChannelStore());
  const WeightQuantization q = scheme(Scheme::Fp8PerChannel);
  auto weights = readFp8Weights(store, q, "ckpt");
  ASSERT_TRUE(weights) << weights.status().message();
  ASSERT_EQ(weights->size(), 1u);
  const Fp8CheckpointWeight &w = weights->at(kProj + ".weight");
  EXPECT_EQ(w.codes, store.find(kProj + ".weight"));
  EXPECT_FALSE(w.perTensor);
  EXPECT_FALSE(w.inputScale);
  EXPECT_EQ(w.scales, (std::vector<float>{2.0f / kE4m3Max, 0.03f / kE4m3Max,
                                          100.0f / kE4m3Max}));

  auto values = dequantizeToFloat(store, q, kProj + ".weight");
  ASSERT_TRUE(values) << values.status().message();
  ASSERT_EQ(values->size(), kWeight.size());
  for (size_t i = 0; i < kWeight.size(); ++i)
    // Half an E4M3 ulp is at most 1/16 of the value for normal codes; the
    // zero and the row maxima are exact.
    EXPECT_NEAR((*values)[i], kWeight[i], std::fabs(kWeight[i]) / 16 + 1e-7f)
        << i;
  EXPECT_FLOAT_EQ((*values)[3], 2.0f);
  EXPECT_EQ((*values)[7], 0.0f);
  // Float tensors read as they always did.
  EXPECT_EQ(dequantizeToFloat(store, q, "model.norm.weight").value(),
            (std::vector<float>{1, 2, 3, 4}));
}

TEST(Fp8Checkpoint, RepeatsAPerTensorScaleAndReadsStaticInputScales) {
  // Codes 1, -2, 448, 0.5 with a bf16 scalar scale 0.25.
  WeightStore original;
  ASSERT_TRUE(original.add(rawTensor(kProj + ".weight", DType::F8E4M3, {2, 2},
                                     {0x38, 0xC0, 0x7E, 0x30})));
  ASSERT_TRUE(original.add(
      floatTensor(kProj + ".weight_scale", DType::BF16, {}, {0.25f})));
  ASSERT_TRUE(original.add(
      floatTensor(kProj + ".input_scale", DType::F32, {1}, {0.125f})));
  WeightStore store = roundTrip(original);
  const WeightQuantization q = scheme(Scheme::Fp8PerTensor, true);
  auto w = readFp8Weight(store, q, kProj + ".weight");
  ASSERT_TRUE(w) << w.status().message();
  EXPECT_TRUE(w->perTensor);
  EXPECT_EQ(w->scales, (std::vector<float>{0.25f, 0.25f}));
  ASSERT_TRUE(w->inputScale);
  EXPECT_EQ(*w->inputScale, 0.125f);
  EXPECT_EQ(dequantizeToFloat(store, q, kProj + ".weight").value(),
            (std::vector<float>{0.25f, -0.5f, 112.0f, 0.125f}));
  // Dynamic activations: the input scale is not read.
  auto dynamic =
      readFp8Weight(store, scheme(Scheme::Fp8PerTensor), kProj + ".weight");
  ASSERT_TRUE(dynamic);
  EXPECT_FALSE(dynamic->inputScale);
}

TEST(Fp8Checkpoint, RefusesAWeightWithoutItsScale) {
  WeightStore store;
  ASSERT_TRUE(store.add(
      rawTensor(kProj + ".weight", DType::F8E4M3, {1, 2}, {0x38, 0x38})));
  std::string message = refusal(store, scheme(Scheme::Fp8PerChannel));
  EXPECT_CONTAINS(message, "'" + kProj + ".weight' has no scale tensor '" +
                               kProj + ".weight_scale'");
}

TEST(Fp8Checkpoint, RefusesScalesOfTheWrongShape) {
  for (std::vector<int64_t> shape :
       std::vector<std::vector<int64_t>>{{4}, {1}, {3, 2}, {1, 3}}) {
    WeightStore store = perChannelStore();
    WeightStore bad;
    ASSERT_TRUE(bad.add(*store.find(kProj + ".weight")));
    const int64_t n = shape.size() == 1 ? shape[0] : shape[0] * shape[1];
    ASSERT_TRUE(bad.add(floatTensor(kProj + ".weight_scale", DType::F32, shape,
                                    std::vector<float>(size_t(n), 1.0f))));
    std::string message = refusal(bad, scheme(Scheme::Fp8PerChannel));
    EXPECT_CONTAINS(message, "has shape " + shapeToString(shape));
    EXPECT_CONTAINS(message, "needs [3] or [3, 1] for weight [3, 4]");
  }
  // A per-channel scale under a per-tensor config.
  std::string message =
      refusal(perChannelStore(), scheme(Scheme::Fp8PerTensor));
  EXPECT_CONTAINS(message, "has shape [3, 1]");
  EXPECT_CONTAINS(message, "(a scale per tensor) needs [] or [1]");
}

TEST(Fp8Checkpoint, ReadsScalesOfAnyFloatDtypeButNotFp8Ones) {
  // 0x3c00 is f16 1.0; 0x3c is E4M3 1.5.
  for (DType dtype : {DType::F16, DType::F8E4M3}) {
    WeightStore store;
    ASSERT_TRUE(
        store.add(rawTensor(kProj + ".weight", DType::F8E4M3, {1, 1}, {0x38})));
    std::vector<uint8_t> bytes = {0x3c};
    if (dtype == DType::F16)
      bytes.insert(bytes.begin(), 0x00);
    ASSERT_TRUE(store.add(
        rawTensor(kProj + ".weight_scale", dtype, {1}, std::move(bytes))));
    auto weights = readFp8Weights(store, scheme(Scheme::Fp8PerTensor), "ckpt");
    if (dtype == DType::F16) {
      ASSERT_TRUE(weights) << weights.status().message();
      EXPECT_EQ(weights->at(kProj + ".weight").scales,
                std::vector<float>{1.0f});
      continue;
    }
    std::string message = refusal(store, scheme(Scheme::Fp8PerTensor));
    EXPECT_CONTAINS(message,
                    "scale tensor '" + kProj + ".weight_scale' is f8e4m3");
    EXPECT_CONTAINS(message, "must be f32, bf16 or f16");
  }
}

TEST(Fp8Checkpoint, RefusesScalesThatAreNotPositiveAndFinite) {
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {0.0f, -0.5f, inf, std::nanf("")}) {
    WeightStore store;
    ASSERT_TRUE(store.add(
        rawTensor(kProj + ".weight", DType::F8E4M3, {2, 1}, {0x38, 0x38})));
    ASSERT_TRUE(store.add(
        floatTensor(kProj + ".weight_scale", DType::F32, {2}, {1.0f, bad})));
    std::string message = refusal(store, scheme(Scheme::Fp8PerChannel));
    EXPECT_CONTAINS(message, "'" + kProj + ".weight_scale' element 1 is ");
    EXPECT_CONTAINS(message, "must be positive and finite");
  }
}

TEST(Fp8Checkpoint, RefusesMissingOrMalformedStaticInputScales) {
  WeightStore store = perChannelStore();
  const WeightQuantization q = scheme(Scheme::Fp8PerChannel, true);
  EXPECT_CONTAINS(refusal(store, q), "has no input scale '" + kProj +
                                         ".input_scale', which static "
                                         "activation scales need");
  WeightStore wide = perChannelStore();
  ASSERT_TRUE(wide.add(
      floatTensor(kProj + ".input_scale", DType::F32, {2}, {1.0f, 1.0f})));
  EXPECT_CONTAINS(refusal(wide, q),
                  "input scale '" + kProj + ".input_scale' has shape [2]");
  WeightStore negative = perChannelStore();
  ASSERT_TRUE(negative.add(
      floatTensor(kProj + ".input_scale", DType::F32, {}, {-1.0f})));
  EXPECT_CONTAINS(refusal(negative, q),
                  "'" + kProj + ".input_scale' element 0 is -1");
}

TEST(Fp8Checkpoint, RefusesFp8TensorsNoConfigDeclaresOrThatAreNotWeights) {
  EXPECT_CONTAINS(refusal(perChannelStore(), WeightQuantization{}),
                  "'" + kProj +
                      ".weight' is f8e4m3, but config.json has no FP8 "
                      "quantization_config");

  WeightStore vector;
  ASSERT_TRUE(vector.add(
      rawTensor(kProj + ".weight", DType::F8E4M3, {2}, {0x38, 0x38})));
  EXPECT_CONTAINS(refusal(vector, scheme(Scheme::Fp8PerChannel)),
                  "has shape [2], but FP8 weights are matrices");

  WeightStore bias;
  ASSERT_TRUE(bias.add(
      rawTensor(kProj + ".bias", DType::F8E4M3, {1, 2}, {0x38, 0x38})));
  EXPECT_CONTAINS(refusal(bias, scheme(Scheme::Fp8PerChannel)),
                  "'" + kProj + ".bias' is not a linear weight");
}

TEST(Fp8Checkpoint, RefusesScalesBesideFloatWeights) {
  WeightStore store;
  ASSERT_TRUE(
      store.add(floatTensor(kProj + ".weight", DType::BF16, {1, 1}, {1.0f})));
  ASSERT_TRUE(
      store.add(floatTensor(kProj + ".weight_scale", DType::F32, {1}, {1.0f})));
  EXPECT_CONTAINS(refusal(store, scheme(Scheme::Fp8PerChannel)),
                  "tensor '" + kProj + ".weight_scale' scales weight '" +
                      kProj + ".weight', which is bf16, not f8e4m3");
  WeightStore orphan;
  ASSERT_TRUE(
      orphan.add(floatTensor(kProj + ".input_scale", DType::F32, {}, {1.0f})));
  EXPECT_CONTAINS(refusal(orphan, scheme(Scheme::Fp8PerChannel)),
                  "', which is missing");
}

TEST(Fp8Checkpoint, RefusesATruncatedFp8File) {
  test::TempDir dir;
  const std::string path = dir.file("cut.safetensors");
  // The F8 weight alone, so that it is the tensor the cut shortens.
  WeightStore original;
  ASSERT_TRUE(original.add(*perChannelStore().find(kProj + ".weight")));
  ASSERT_TRUE(writeSafetensors(path, original));
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  WeightStore store;
  Status status = loadSafetensors(path, store);
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "tensor '" + kProj + ".weight'");
  EXPECT_CONTAINS(status.message(), "outside the data section");
  EXPECT_EQ(store.size(), 0u);
}

} // namespace
} // namespace llmc
