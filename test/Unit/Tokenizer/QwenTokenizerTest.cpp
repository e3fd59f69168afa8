// The real Qwen2.5 tokenizer.json (byte-level BPE behind an NFC normalizer),
// checked against ids from transformers.js (@huggingface/transformers 4.3.1,
// encode(text, {add_special_tokens: false})). Skipped when the file is not in
// the model cache.
#include "runtime/tokenizer/HfTokenizer.h"

#include "TokenizerTestSupport.h"

#include <gtest/gtest.h>

namespace llmc {
namespace {

using Ids = std::vector<int32_t>;

class QwenTokenizer : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    std::string path = test::cachedFile("tokenizer-qwen2_5/tokenizer.json");
    if (path.empty())
      return;
    auto tok = HfTokenizer::load(path);
    ASSERT_TRUE(tok) << tok.status().message();
    tok_ = std::move(tok).value().release();
  }
  static void TearDownTestSuite() {
    delete tok_;
    tok_ = nullptr;
  }
  void SetUp() override {
    if (!tok_)
      GTEST_SKIP()
          << "tokenizer-qwen2_5/tokenizer.json is not in the model cache "
          << test::modelCacheDir() << " (scripts/fetch-model.sh)";
  }
  static HfTokenizer *tok_;
};
HfTokenizer *QwenTokenizer::tok_ = nullptr;

TEST_F(QwenTokenizer, ComposesToNfcBeforeSplitting) {
  EXPECT_EQ(tok_->encode("Hello world", false), (Ids{9707, 1879}));
  // "café" with a precomposed é and with e + U+0301 COMBINING ACUTE ACCENT.
  EXPECT_EQ(tok_->encode("café", false), (Ids{924, 58858}));
  EXPECT_EQ(tok_->encode("cafe\u0301", false), (Ids{924, 58858}));
  // U+212B ANGSTROM SIGN and A + U+030A both become U+00C5.
  EXPECT_EQ(tok_->encode("\u212B\u0041\u030A", false), (Ids{144044, 144044}));
  // Hangul jamo compose into the syllable 한.
  EXPECT_EQ(tok_->encode("\u1112\u1161\u11AB", false), (Ids{23573}));
}

TEST_F(QwenTokenizer, AddsNoBosWithoutATemplate) {
  // Qwen's post-processor is ByteLevel only: no special tokens are added.
  EXPECT_EQ(tok_->encode("Hello world", true), (Ids{9707, 1879}));
}

} // namespace
} // namespace llmc
