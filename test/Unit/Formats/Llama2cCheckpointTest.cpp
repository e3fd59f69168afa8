// Tests of the llama2.c checkpoint reader: the real stories15M (skipped when
// the model cache is empty), a small hand-made checkpoint with a separate
// classifier and GQA, and files whose size disagrees with their header.
#include "runtime/formats/Llama2cCheckpoint.h"
#include "runtime/model/WeightNames.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

namespace llmc {
namespace {

namespace names = weight_names;
using test::TempDir;

std::string stories15M() {
  return (test::modelCache() / "stories15M" / "stories15M.bin").string();
}

#define SKIP_WITHOUT_STORIES15M()                                              \
  if (!std::filesystem::exists(stories15M()))                                  \
  GTEST_SKIP() << stories15M() << " is absent; run scripts/fetch-model.sh"

/// The float stored at byte `offset` of `path`, read without the loader.
float floatAt(const std::string &path, uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(std::streamoff(offset));
  float value = 0;
  in.read(reinterpret_cast<char *>(&value), sizeof(value));
  EXPECT_TRUE(in.good()) << "cannot read " << path << " at " << offset;
  return value;
}

TEST(Llama2cCheckpoint, LoadsStories15MWithItsConfigAndShapes) {
  SKIP_WITHOUT_STORIES15M();
  auto checkpoint = loadLlama2cCheckpoint(stories15M());
  ASSERT_TRUE(checkpoint) << checkpoint.status().message();
  const ModelConfig &c = checkpoint->config;
  EXPECT_EQ(c.name, "stories15M");
  EXPECT_EQ(c.dim, 288);
  EXPECT_EQ(c.ffnDim, 768);
  EXPECT_EQ(c.numLayers, 6);
  EXPECT_EQ(c.numHeads, 6);
  EXPECT_EQ(c.numKvHeads, 6);
  EXPECT_EQ(c.headDim, 48);
  EXPECT_EQ(c.vocabSize, 32000);
  EXPECT_EQ(c.maxSeqLen, 256);
  EXPECT_TRUE(c.tieWordEmbeddings);
  EXPECT_EQ(c.ropeStyle, RopeStyle::Interleaved);
  EXPECT_DOUBLE_EQ(c.normEps, 1e-5);
  EXPECT_DOUBLE_EQ(c.ropeTheta, 10000.0);
  EXPECT_EQ(c.bosTokenId, 1);
  EXPECT_EQ(c.eosTokenId, 2);

  const WeightStore &w = checkpoint->weights;
  EXPECT_EQ(w.size(), 1u + 6 * 9 + 1); // no lm_head: the classifier is shared
  EXPECT_EQ(w.find(names::lmHead()), nullptr);
  EXPECT_EQ(w.find(names::embedTokens())->shape,
            (std::vector<int64_t>{32000, 288}));
  EXPECT_EQ(w.find(names::wk(5))->shape, (std::vector<int64_t>{288, 288}));
  EXPECT_EQ(w.find(names::wGate(0))->shape, (std::vector<int64_t>{768, 288}));
  EXPECT_EQ(w.find(names::wDown(3))->shape, (std::vector<int64_t>{288, 768}));
  EXPECT_EQ(w.find(names::finalNorm())->shape, std::vector<int64_t>{288});
  // Every parameter except the RoPE tables is a tensor.
  int64_t elements = 0;
  for (const std::string &name : w.names())
    elements += w.find(name)->numElements();
  EXPECT_EQ(elements, c.parameterCount());
  EXPECT_EQ(c.parameterCount(), 15191712);
}

TEST(Llama2cCheckpoint, Stories15MValuesComeStraightFromTheFile) {
  SKIP_WITHOUT_STORIES15M();
  auto checkpoint = loadLlama2cCheckpoint(stories15M());
  ASSERT_TRUE(checkpoint) << checkpoint.status().message();
  const uint64_t V = 32000, D = 288, L = 6;
  // token_embedding, rms_att, wq, then wk of layer 0 precede layer 1's wk.
  const uint64_t wk1 = 28 + 4 * (V * D + L * D + L * D * D + 1 * D * D);
  auto values = checkpoint->weights.toFloat(names::wk(1));
  ASSERT_TRUE(values);
  EXPECT_EQ((*values)[0], floatAt(stories15M(), wk1));
  EXPECT_EQ((*values)[D + 1], floatAt(stories15M(), wk1 + 4 * (D + 1)));
  EXPECT_NE((*values)[0], 0.0f);
  // The mapping is shared and the tensor views it in place.
  const WeightTensor *t = checkpoint->weights.find(names::wk(1));
  EXPECT_EQ(t->offset, wk1);
  EXPECT_EQ(t->storage,
            checkpoint->weights.find(names::embedTokens())->storage);
  // rms_final is the last weight before the two RoPE tables.
  const uint64_t ropeTables = 2 * 256 * 24 * 4;
  auto norm = checkpoint->weights.toFloat(names::finalNorm());
  EXPECT_EQ(norm->back(), floatAt(stories15M(), 60816028 - ropeTables - 4));
}

/// Copies stories15M with `delta` bytes removed (< 0) or appended (> 0).
std::string resizedCopy(const TempDir &dir, int delta) {
  std::vector<uint8_t> bytes = test::readBytes(stories15M());
  bytes.resize(size_t(int64_t(bytes.size()) + delta), 0);
  std::string path = dir.file("resized.bin");
  test::writeBytes(path, bytes);
  return path;
}

TEST(Llama2cCheckpoint, RefusesTruncatedFileStatingExpectedAndActualSize) {
  SKIP_WITHOUT_STORIES15M();
  TempDir dir;
  std::string path = resizedCopy(dir, -4);
  auto checkpoint = loadLlama2cCheckpoint(path);
  ASSERT_FALSE(checkpoint);
  const std::string &m = checkpoint.status().message();
  EXPECT_NE(m.find(path), std::string::npos) << m;
  EXPECT_NE(m.find("file is 60816024 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("exactly 60816028 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("dim 288, hidden_dim 768, n_layers 6"), std::string::npos)
      << m;
}

TEST(Llama2cCheckpoint, RefusesFileWithTrailingBytes) {
  SKIP_WITHOUT_STORIES15M();
  TempDir dir;
  auto checkpoint = loadLlama2cCheckpoint(resizedCopy(dir, 1));
  ASSERT_FALSE(checkpoint);
  const std::string &m = checkpoint.status().message();
  EXPECT_NE(m.find("file is 60816029 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("exactly 60816028 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("trailing"), std::string::npos) << m;
}

/// A tiny checkpoint: dim 8, hidden 16, 2 layers, 4 heads, 2 kv heads (head_dim
/// 2, kv_dim 4), vocab 10 with a separate classifier, seq_len 4. Element i of
/// array number a (in file order, wcls = 13) holds a * 1000 + i, so every value
/// says where it came from.
std::vector<uint8_t> tinyCheckpoint(bool sharedClassifier) {
  std::vector<uint8_t> bytes;
  for (int32_t v : {8, 16, 2, 4, 2, sharedClassifier ? 10 : -10, 4})
    test::append<int32_t>(bytes, v);
  const int64_t sizes[] = {
      10 * 8,     // 0 token_embedding
      2 * 8,      // 1 rms_att
      2 * 8 * 8,  // 2 wq
      2 * 4 * 8,  // 3 wk
      2 * 4 * 8,  // 4 wv
      2 * 8 * 8,  // 5 wo
      2 * 8,      // 6 rms_ffn
      2 * 16 * 8, // 7 w1
      2 * 8 * 16, // 8 w2
      2 * 16 * 8, // 9 w3
      8,          // 10 rms_final
      4 * 1,      // 11 freq_cis_real
      4 * 1,      // 12 freq_cis_imag
      10 * 8,     // 13 wcls
  };
  for (int a = 0; a < (sharedClassifier ? 13 : 14); ++a)
    for (int64_t i = 0; i < sizes[a]; ++i)
      test::append<float>(bytes, float(a * 1000 + i));
  return bytes;
}

TEST(Llama2cCheckpoint, LoadsSeparateClassifierAndGqaMappingEveryArray) {
  TempDir dir;
  std::string path = dir.file("tiny-gqa.bin");
  test::writeBytes(path, tinyCheckpoint(/*sharedClassifier=*/false));
  auto checkpoint = loadLlama2cCheckpoint(path);
  ASSERT_TRUE(checkpoint) << checkpoint.status().message();
  const ModelConfig &c = checkpoint->config;
  EXPECT_EQ(c.name, "tiny-gqa");
  EXPECT_EQ(c.vocabSize, 10);
  EXPECT_FALSE(c.tieWordEmbeddings);
  EXPECT_EQ(c.numKvHeads, 2);
  EXPECT_EQ(c.headDim, 2);
  EXPECT_EQ(c.kvDim(), 4);

  const WeightStore &w = checkpoint->weights;
  auto first = [&](const std::string &name) {
    auto values = w.toFloat(name);
    EXPECT_TRUE(values) << name;
    return values ? (*values)[0] : -1.0f;
  };
  EXPECT_EQ(w.find(names::wk(1))->shape, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(w.find(names::wv(0))->shape, (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(first(names::embedTokens()), 0.0f);
  EXPECT_EQ(first(names::attnNorm(1)), 1008.0f);
  EXPECT_EQ(first(names::wq(1)), 2064.0f);
  EXPECT_EQ(first(names::wk(1)), 3032.0f);
  EXPECT_EQ(first(names::wv(1)), 4032.0f);
  EXPECT_EQ(first(names::wo(0)), 5000.0f);
  EXPECT_EQ(first(names::ffnNorm(1)), 6008.0f);
  EXPECT_EQ(first(names::wGate(1)), 7128.0f); // w1
  EXPECT_EQ(first(names::wDown(1)), 8128.0f); // w2
  EXPECT_EQ(first(names::wUp(1)), 9128.0f);   // w3
  EXPECT_EQ(first(names::finalNorm()), 10000.0f);
  EXPECT_EQ(first(names::lmHead()), 13000.0f); // after the skipped RoPE tables
  EXPECT_EQ(w.toFloat(names::lmHead())->back(), 13079.0f);
}

TEST(Llama2cCheckpoint, LoadsSharedClassifierWithoutLmHead) {
  TempDir dir;
  std::string path = dir.file("tiny.bin");
  test::writeBytes(path, tinyCheckpoint(/*sharedClassifier=*/true));
  auto checkpoint = loadLlama2cCheckpoint(path);
  ASSERT_TRUE(checkpoint) << checkpoint.status().message();
  EXPECT_TRUE(checkpoint->config.tieWordEmbeddings);
  EXPECT_EQ(checkpoint->weights.find(names::lmHead()), nullptr);
}

TEST(Llama2cCheckpoint, RefusesHeaderWithImpossibleDimensions) {
  TempDir dir;
  std::vector<uint8_t> bytes = tinyCheckpoint(false);
  bytes[12] = 3; // n_heads 3 does not divide dim 8
  std::string path = dir.file("bad.bin");
  test::writeBytes(path, bytes);
  auto checkpoint = loadLlama2cCheckpoint(path);
  ASSERT_FALSE(checkpoint);
  EXPECT_NE(checkpoint.status().message().find("n_heads 3"), std::string::npos)
      << checkpoint.status().message();

  test::writeBytes(path, {1, 2, 3});
  checkpoint = loadLlama2cCheckpoint(path);
  ASSERT_FALSE(checkpoint);
  EXPECT_NE(checkpoint.status().message().find("28-byte"), std::string::npos);
}

TEST(Llama2cCheckpoint, RefusesAbsurdHeaderValuesBeforeSizingAnything) {
  TempDir dir;
  std::string path = dir.file("absurd.bin");
  struct Case {
    int index; // header field, in file order
    int32_t value;
    const char *message;
  };
  for (const Case &c :
       {Case{2, 100000000, "n_layers 100000000 exceeds the limit of 1024"},
        Case{0, 1 << 30, "dim 1073741824 exceeds the limit of 65536"},
        Case{1, 2000000000, "hidden_dim 2000000000 exceeds the limit"},
        Case{3, 1 << 20, "n_heads 1048576 exceeds the limit of 1024"},
        Case{5, -2000000000, "vocab_size 2000000000 exceeds the limit"},
        Case{6, 1000000000, "seq_len 1000000000 exceeds the limit"}}) {
    std::vector<uint8_t> bytes = tinyCheckpoint(false);
    std::memcpy(bytes.data() + 4 * c.index, &c.value, 4);
    test::writeBytes(path, bytes);
    auto checkpoint = loadLlama2cCheckpoint(path);
    ASSERT_FALSE(checkpoint) << c.message;
    EXPECT_NE(checkpoint.status().message().find(c.message), std::string::npos)
        << checkpoint.status().message();
  }
}

} // namespace
} // namespace llmc
