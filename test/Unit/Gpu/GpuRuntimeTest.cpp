// The parts of runtime/gpu that need no GPU: synthetic weights packed the way
// the kernels read them, and engine directories refused before any device
// work.
#include "runtime/engine/EngineDirectory.h"
#include "runtime/gpu/DeviceWeights.h"
#include "runtime/gpu/EngineFiles.h"
#include "runtime/support/Sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace llmc::gpu {
namespace {

WeightSource synthetic(const std::string &name, int64_t rows, uint64_t seed) {
  WeightSource source;
  source.name = name;
  source.rows = rows;
  source.isSynthetic = true;
  source.synthetic.seed = seed;
  source.synthetic.stddev = 0.5f;
  return source;
}

/// bf16 bits of row `r` of a synthetic source of `width` columns.
std::vector<uint16_t> sourceRow(const WeightSource &source, int64_t r,
                                int64_t width) {
  std::vector<float> values(static_cast<size_t>(width));
  generateSynthetic(source.synthetic, r * width, width, values.data());
  std::vector<uint16_t> bits;
  for (float v : values)
    bits.push_back(floatToBf16(v));
  return bits;
}

std::vector<uint16_t> packedRow(const std::vector<uint16_t> &packed, int64_t r,
                                int64_t width) {
  return {packed.begin() + r * width, packed.begin() + (r + 1) * width};
}

TEST(SynthesizePackedTensor, StacksSourcesInOrder) {
  PackedTensor tensor;
  tensor.name = "qkv";
  tensor.shape = {7, 24};
  tensor.sources = {synthetic("q", 3, 1), synthetic("k", 2, 2),
                    synthetic("v", 2, 3)};
  StatusOr<std::vector<uint16_t>> packed = synthesizePackedTensor(tensor, 2);
  ASSERT_TRUE(packed.isOk()) << packed.status().message();
  EXPECT_EQ(packedRow(*packed, 0, 24), sourceRow(tensor.sources[0], 0, 24));
  EXPECT_EQ(packedRow(*packed, 2, 24), sourceRow(tensor.sources[0], 2, 24));
  EXPECT_EQ(packedRow(*packed, 3, 24), sourceRow(tensor.sources[1], 0, 24));
  EXPECT_EQ(packedRow(*packed, 6, 24), sourceRow(tensor.sources[2], 1, 24));
}

TEST(SynthesizePackedTensor, InterleavesRowsOfGateAndUp) {
  PackedTensor tensor;
  tensor.name = "gate_up";
  tensor.shape = {8, 16};
  tensor.interleaveRows = true;
  tensor.sources = {synthetic("gate", 4, 5), synthetic("up", 4, 6)};
  StatusOr<std::vector<uint16_t>> packed = synthesizePackedTensor(tensor, 3);
  ASSERT_TRUE(packed.isOk()) << packed.status().message();
  for (int64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(packedRow(*packed, 2 * r, 16),
              sourceRow(tensor.sources[0], r, 16));
    EXPECT_EQ(packedRow(*packed, 2 * r + 1, 16),
              sourceRow(tensor.sources[1], r, 16));
  }
}

TEST(SynthesizePackedTensor, RefusesARealSource) {
  PackedTensor tensor;
  tensor.name = "w";
  tensor.shape = {2, 8};
  WeightSource real;
  real.name = "w.real";
  real.rows = 2;
  tensor.sources = {real};
  StatusOr<std::vector<uint16_t>> packed = synthesizePackedTensor(tensor);
  ASSERT_FALSE(packed.isOk());
  EXPECT_EQ(packed.status().message(),
            "weight w: source w.real is not synthetic");
}

class OpenEngineTest : public ::testing::Test {
protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("llmc-open-engine-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::string refusal(const std::string &path) {
    StatusOr<EngineFiles> engine = openEngine(path);
    EXPECT_FALSE(engine.isOk());
    return engine.isOk() ? "" : engine.status().message();
  }
  /// Writes manifest.json and its digest, as llm-compile does.
  void writeManifest(const std::string &text) {
    std::ofstream(directory_ / "manifest.json") << text;
    std::ofstream(directory_ / "manifest.sha256")
        << manifestDigestText(Sha256::hex(Sha256::of(text)));
  }
  std::filesystem::path directory_;
};

TEST_F(OpenEngineTest, RefusesAMissingDirectory) {
  const std::string path = (directory_ / "absent.llmc").string();
  EXPECT_EQ(refusal(path), path + " is not an engine directory");
}

TEST_F(OpenEngineTest, RefusesADirectoryWithoutManifest) {
  EXPECT_EQ(refusal(directory_.string()),
            directory_.string() + " has no manifest.json: not an engine");
}

TEST_F(OpenEngineTest, RefusesAManifestWithoutItsDigest) {
  std::ofstream(directory_ / "manifest.json") << "{}";
  EXPECT_NE(
      refusal(directory_.string()).find("has no readable manifest.sha256"),
      std::string::npos);
}

TEST_F(OpenEngineTest, RefusesAnEditedManifest) {
  writeManifest(R"({"format_version": 1, "block_threads": 128})");
  std::ofstream(directory_ / "manifest.json")
      << R"({"format_version": 1, "block_threads": 178})";
  EXPECT_EQ(refusal(directory_.string()),
            (directory_ / "manifest.json").string() +
                " does not match its sha256 in manifest.sha256 (the engine "
                "is corrupt or was modified)");
}

TEST_F(OpenEngineTest, RefusesAManifestThatIsNotARegularFile) {
  std::filesystem::create_symlink("/dev/zero", directory_ / "manifest.json");
  EXPECT_NE(refusal(directory_.string()).find("not a regular file"),
            std::string::npos);
}

TEST_F(OpenEngineTest, RefusesAManifestThatIsNotJson) {
  writeManifest("{ not json");
  EXPECT_EQ(refusal(directory_.string()),
            (directory_ / "manifest.json").string() + " is not valid JSON");
}

TEST_F(OpenEngineTest, RefusesAManifestOfAnotherFormat) {
  writeManifest(R"({"format_version": 999})");
  EXPECT_NE(refusal(directory_.string()).find("format"), std::string::npos);
}

} // namespace
} // namespace llmc::gpu
