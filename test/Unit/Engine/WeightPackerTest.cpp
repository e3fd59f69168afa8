// Tests of the packed weight layout: planning (alignment, merged tensors),
// the bytes written for stacked and interleaved recipes, synthetic sources, and
// the layout's JSON form and validation.
#include "compiler/Driver/WeightPacker.h"
#include "runtime/engine/WeightLayout.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace llmc;

namespace {

/// An f32 matrix whose element (r, c) is base + 100 r + c. The values used here
/// stay integers below 256 in magnitude, which bf16 represents exactly.
WeightTensor matrix(const std::string &name, int64_t rows, int64_t cols,
                    float base) {
  std::vector<uint8_t> bytes(size_t(rows * cols) * 4);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float v = base + float(100 * r + c);
      std::memcpy(&bytes[size_t(r * cols + c) * 4], &v, 4);
    }
  WeightTensor t;
  t.name = name;
  t.dtype = DType::F32;
  t.shape = {rows, cols};
  t.storage = ownBytes(std::move(bytes));
  return t;
}

std::vector<float> readBf16(const std::string &path, uint64_t offset,
                            int64_t count) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(offset));
  std::vector<uint16_t> bits(static_cast<size_t>(count));
  in.read(reinterpret_cast<char *>(bits.data()), std::streamsize(count * 2));
  std::vector<float> out;
  for (uint16_t b : bits)
    out.push_back(bf16ToFloat(b));
  return out;
}

struct Fixture : ::testing::Test {
  void SetUp() override {
    ASSERT_TRUE(store.add(matrix("q", 2, 3, 0)).isOk());
    ASSERT_TRUE(store.add(matrix("k", 1, 3, 200)).isOk());
    ASSERT_TRUE(store.add(matrix("gate", 2, 3, -100)).isOk());
    ASSERT_TRUE(store.add(matrix("up", 2, 3, 150)).isOk());
    path = (std::filesystem::temp_directory_path() /
            ("weights-" + std::to_string(::getpid()) + ".bin"))
               .string();
  }
  void TearDown() override { std::filesystem::remove(path); }
  WeightStore store;
  std::string path;
};

TEST_F(Fixture, StacksRowsOfMergedProjectionInSourceOrder) {
  auto layout = planWeightLayout({{"qk", {"q", "k"}, false}}, store);
  ASSERT_TRUE(layout.isOk()) << layout.status().message();
  ASSERT_TRUE(writePackedWeights(path, *layout, store).isOk());
  const PackedTensor *qk = layout->find("qk");
  ASSERT_NE(qk, nullptr);
  EXPECT_EQ(qk->shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(readBf16(path, qk->offset, 9),
            (std::vector<float>{0, 1, 2, 100, 101, 102, 200, 201, 202}));
}

TEST_F(Fixture, InterleavesGateAndUpRowByRow) {
  auto layout = planWeightLayout({{"gate_up", {"gate", "up"}, true}}, store);
  ASSERT_TRUE(layout.isOk()) << layout.status().message();
  ASSERT_TRUE(writePackedWeights(path, *layout, store).isOk());
  // Rows: gate 0, up 0, gate 1, up 1.
  EXPECT_EQ(readBf16(path, 0, 12),
            (std::vector<float>{-100, -99, -98, 150, 151, 152, 0, 1, 2, 250,
                                251, 252}));
}

TEST_F(Fixture, AlignsEveryTensorAndPadsTheFile) {
  auto layout =
      planWeightLayout({{"k", {"k"}, false}, {"q", {"q"}, false}}, store);
  ASSERT_TRUE(layout.isOk());
  EXPECT_EQ(layout->find("k")->offset, 0u);
  EXPECT_EQ(layout->find("q")->offset, WeightLayout::kAlignment);
  EXPECT_EQ(layout->totalBytes, 2 * WeightLayout::kAlignment);
  ASSERT_TRUE(writePackedWeights(path, *layout, store).isOk());
  EXPECT_EQ(std::filesystem::file_size(path), layout->totalBytes);
  EXPECT_EQ(readBf16(path, layout->find("q")->offset, 3),
            (std::vector<float>{0, 1, 2}));
}

TEST_F(Fixture, RefusesSourcesOfDifferentWidths) {
  ASSERT_TRUE(store.add(matrix("wide", 1, 4, 0)).isOk());
  auto layout = planWeightLayout({{"bad", {"q", "wide"}, false}}, store);
  ASSERT_FALSE(layout.isOk());
  EXPECT_NE(layout.status().message().find("'wide' has shape [1, 4]"),
            std::string::npos)
      << layout.status().message();
}

TEST_F(Fixture, RefusesFp8SourcesItWouldPackAsValues) {
  WeightTensor codes = matrix("fp8", 2, 3, 0);
  codes.dtype = DType::F8E4M3; // 6 of its 24 bytes: still fits its storage
  ASSERT_TRUE(store.add(codes).isOk());
  auto layout = planWeightLayout({{"qf", {"q", "fp8"}, false}}, store);
  ASSERT_FALSE(layout.isOk());
  EXPECT_NE(layout.status().message().find("source 'fp8' is f8e4m3"),
            std::string::npos)
      << layout.status().message();
}

TEST_F(Fixture, RefusesMissingSource) {
  auto layout = planWeightLayout({{"bad", {"nope"}, false}}, store);
  ASSERT_FALSE(layout.isOk());
  EXPECT_NE(layout.status().message().find("nope"), std::string::npos);
}

TEST_F(Fixture, SyntheticSourcesKeepTheirSpecsAndWriteTheirValues) {
  WeightTensor t;
  t.name = "syn";
  t.dtype = DType::BF16;
  t.shape = {4, 8};
  t.isSynthetic = true;
  t.synthetic.seed = 42;
  ASSERT_TRUE(store.add(t).isOk());
  auto layout = planWeightLayout({{"syn", {"syn"}, false}}, store);
  ASSERT_TRUE(layout.isOk());
  const WeightSource &source = layout->find("syn")->sources[0];
  EXPECT_TRUE(source.isSynthetic);
  EXPECT_EQ(source.synthetic.seed, 42u);
  ASSERT_TRUE(writePackedWeights(path, *layout, store).isOk());
  auto expected = store.toFloat("syn");
  ASSERT_TRUE(expected.isOk());
  EXPECT_EQ(readBf16(path, 0, 32), *expected);
}

TEST_F(Fixture, JsonRoundTripPreservesTheLayout) {
  auto layout = planWeightLayout(
      {{"qk", {"q", "k"}, false}, {"gate_up", {"gate", "up"}, true}}, store);
  ASSERT_TRUE(layout.isOk());
  auto parsed = weightLayoutFromJson(toJson(*layout), "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(toJson(*parsed), toJson(*layout));
  EXPECT_TRUE(parsed->find("gate_up")->interleaveRows);
}

TEST_F(Fixture, ValidationCatchesOverlapAndMisalignment) {
  auto layout =
      planWeightLayout({{"k", {"k"}, false}, {"q", {"q"}, false}}, store);
  ASSERT_TRUE(layout.isOk());
  WeightLayout overlapping = *layout;
  overlapping.tensors[1].offset = 0;
  EXPECT_NE(overlapping.validate().message().find("overlap"),
            std::string::npos);
  WeightLayout misaligned = *layout;
  misaligned.tensors[1].offset = 8;
  EXPECT_NE(misaligned.validate().message().find("not a multiple of 256"),
            std::string::npos);
  nlohmann::json j = toJson(*layout);
  j["tensors"][0]["bytes"] = 7;
  auto parsed = weightLayoutFromJson(j, "engine/manifest.json");
  ASSERT_FALSE(parsed.isOk());
  EXPECT_NE(parsed.status().message().find("engine/manifest.json"),
            std::string::npos);
  EXPECT_NE(parsed.status().message().find("has 7 bytes"), std::string::npos);
}

} // namespace
