// The llama2.c tokenizer.bin of stories15M (the real 32000-entry Llama-2
// vocabulary): known encodings, byte fallback, and round trips of random text.
// Skipped when scripts/fetch-model.sh has not filled the model cache.
#include "runtime/tokenizer/Llama2cTokenizer.h"

#include "TokenizerTestSupport.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace llmc {
namespace {

class Stories15MTokenizer : public ::testing::Test {
protected:
  void SetUp() override {
    path_ = test::cachedFile("stories15M/tokenizer.bin");
    if (path_.empty())
      GTEST_SKIP() << "stories15M/tokenizer.bin is not in the model cache "
                   << test::modelCacheDir() << " (scripts/fetch-model.sh)";
    auto tok = Llama2cTokenizer::load(path_, 32000);
    ASSERT_TRUE(tok) << tok.status().message();
    tok_ = std::move(tok).value();
  }

  std::string path_;
  std::unique_ptr<Llama2cTokenizer> tok_;
};

TEST_F(Stories15MTokenizer, EncodesOnceUponATimeLikeLlama2c) {
  EXPECT_EQ(tok_->encode("Once upon a time", /*addBos=*/true),
            (std::vector<int32_t>{1, 9038, 2501, 263, 931}));
  EXPECT_EQ(tok_->encode("Once upon a time", /*addBos=*/false),
            (std::vector<int32_t>{9038, 2501, 263, 931}));
}

TEST_F(Stories15MTokenizer, DecodesOnceUponATimeWithoutTheDummySpace) {
  std::vector<int32_t> ids = {1, 9038, 2501, 263, 931};
  EXPECT_EQ(tok_->decode(ids), "Once upon a time");
  // Token by token: only the first piece after BOS loses its space.
  EXPECT_EQ(tok_->decodeToken(1, 9038), "Once");
  EXPECT_EQ(tok_->decodeToken(9038, 2501), " upon");
}

TEST_F(Stories15MTokenizer, ReadsTheWholeVocabularyAndItsHeader) {
  EXPECT_EQ(tok_->vocabSize(), 32000);
  EXPECT_EQ(tok_->maxTokenLength(), 27);
  EXPECT_EQ(tok_->bosId(), 1);
  EXPECT_EQ(tok_->eosId(), 2);
  EXPECT_TRUE(tok_->isSpecial(1));
  EXPECT_TRUE(tok_->isSpecial(2));
  EXPECT_FALSE(tok_->isSpecial(3));
  EXPECT_EQ(tok_->tokenText(9038), " Once");
  EXPECT_FLOAT_EQ(tok_->score(9038), -8779.0f);
  EXPECT_EQ(tok_->stopIds(), (std::vector<int32_t>{2}));
}

TEST_F(Stories15MTokenizer, ByteTokensDecodeToOneByteWhateverTheirSpelling) {
  // The exporter stored byte 0xFF as chr(0xFF) in UTF-8, i.e. two bytes.
  ASSERT_TRUE(tok_->hasByteFallback());
  EXPECT_EQ(tok_->tokenText(258), "\xC3\xBF");
  EXPECT_EQ(tok_->decodeToken(Tokenizer::kNoToken, 258), "\xFF");
  EXPECT_EQ(tok_->decodeToken(Tokenizer::kNoToken, 3 + 0x0A), "\n");
  // Control tokens are not text.
  EXPECT_EQ(tok_->decodeToken(Tokenizer::kNoToken, 1), "");
}

TEST_F(Stories15MTokenizer, EncodesCharactersMissingFromTheVocabAsBytes) {
  // Neither 😀 (F0 9F 98 80) nor 龘 (E9 BE 98) is a piece of this vocabulary.
  std::vector<int32_t> ids = tok_->encode("😀", /*addBos=*/false);
  EXPECT_EQ(ids, (std::vector<int32_t>{29871, 3 + 0xF0, 3 + 0x9F, 3 + 0x98,
                                       3 + 0x80}));
  EXPECT_EQ(tok_->decode(ids), "😀");

  std::string text = "a 龘 and 😀!";
  EXPECT_EQ(tok_->decode(tok_->encode(text, true)), text);
  std::vector<int32_t> dragon = tok_->encode("龘", false);
  EXPECT_EQ(dragon,
            (std::vector<int32_t>{29871, 3 + 0xE9, 3 + 0xBE, 3 + 0x98}));
}

TEST_F(Stories15MTokenizer, EncodesNewlineAsItsByteToken) {
  std::vector<int32_t> ids = tok_->encode("a\nb", false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 3 + 0x0A), ids.end());
  EXPECT_EQ(tok_->decode(ids), "a\nb");
}

TEST_F(Stories15MTokenizer, KeepsInvalidUtf8BytesThroughARoundTrip) {
  std::string text = "ok \xFF\xC3 then \xE4\xB8";
  EXPECT_EQ(tok_->decode(tok_->encode(text, true)), text);
}

TEST_F(Stories15MTokenizer, RoundTripsRandomText) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    std::string text = test::randomText(rng, 1 + i % 40);
    bool addBos = i % 2 == 0;
    std::vector<int32_t> ids = tok_->encode(text, addBos);
    ASSERT_EQ(tok_->decode(ids), text)
        << "case " << i << " (bos " << addBos << ")";
  }
}

TEST_F(Stories15MTokenizer, RoundTripsLeadingAndRepeatedSpaces) {
  for (std::string text : {" leading", "  two", "trailing  ", "a   b", " "}) {
    EXPECT_EQ(tok_->decode(tok_->encode(text, true)), text);
  }
  EXPECT_EQ(tok_->encode("", true), (std::vector<int32_t>{1}));
  EXPECT_TRUE(tok_->encode("", false).empty());
}

TEST_F(Stories15MTokenizer, EncodesALongPromptAsItsPartsRepeated) {
  // A sentence repeated after newlines tokenizes to the same ids each time:
  // merges never cross the <0x0A> byte token.
  std::vector<int32_t> once = tok_->encode("Once upon a time", false);
  std::string text = "Once upon a time";
  for (int i = 0; i < 5000; ++i)
    text += "\n Once upon a time";
  std::vector<int32_t> ids = tok_->encode(text, false);
  ASSERT_EQ(ids.size(), once.size() + 5000 * (1 + once.size()));
  EXPECT_EQ(tok_->decode(ids), text);
  EXPECT_EQ(std::vector<int32_t>(ids.end() - once.size(), ids.end()), once);
}

TEST_F(Stories15MTokenizer, LoadTokenizerRecognisesTheBinFormat) {
  auto tok = loadTokenizer(path_);
  ASSERT_TRUE(tok) << tok.status().message();
  EXPECT_EQ((*tok)->vocabSize(), 32000);
  EXPECT_EQ((*tok)->encode("Once upon a time", true),
            (std::vector<int32_t>{1, 9038, 2501, 263, 931}));
  // A directory is searched for the tokenizer file.
  auto fromDir = loadTokenizer(test::modelCacheDir() + "/stories15M");
  ASSERT_TRUE(fromDir) << fromDir.status().message();
  EXPECT_EQ((*fromDir)->vocabSize(), 32000);
}

} // namespace
} // namespace llmc
