// Streaming detokenization over the hand-written SentencePiece fixture (and the
// real llama2.c vocabulary when cached): characters split over byte tokens are
// held back until whole, the space after BOS is dropped, and leftovers flush
// as U+FFFD.
#include "runtime/tokenizer/IncrementalDetokenizer.h"

#include "TokenizerTestSupport.h"
#include "runtime/tokenizer/HfTokenizer.h"
#include "runtime/tokenizer/Llama2cTokenizer.h"
#include "runtime/tokenizer/Utf8.h"

#include <gtest/gtest.h>

namespace llmc {
namespace {

// Fixture ids (Inputs/sp-bpe-tiny.json).
constexpr int32_t kBos = 1, kSpace = 8, kHello = 20, kWorld = 25;
constexpr int32_t kF0 = 4, k9F = 5, k98 = 6, k80 = 7; // bytes of 😀

class StreamingFixture : public ::testing::Test {
protected:
  void SetUp() override {
    auto tok = HfTokenizer::load(test::inputPath("sp-bpe-tiny.json"));
    ASSERT_TRUE(tok) << tok.status().message();
    tok_ = std::move(tok).value();
  }
  std::unique_ptr<HfTokenizer> tok_;
};

TEST_F(StreamingFixture, HoldsAFourByteEmojiUntilItsLastByte) {
  IncrementalDetokenizer stream(*tok_, kHello);
  EXPECT_EQ(stream.push(kSpace), " ");
  EXPECT_EQ(stream.push(kF0), "");
  EXPECT_EQ(stream.push(k9F), "");
  EXPECT_EQ(stream.push(k98), "");
  EXPECT_EQ(stream.pendingBytes(), 3u);
  EXPECT_EQ(stream.push(k80), "😀");
  EXPECT_EQ(stream.pendingBytes(), 0u);
  EXPECT_EQ(stream.flush(), "");
}

TEST_F(StreamingFixture, DropsTheSpaceOfTheFirstPieceAfterBos) {
  IncrementalDetokenizer stream(*tok_);
  EXPECT_EQ(stream.push(kBos), "");
  EXPECT_EQ(stream.push(kHello), "hello");
  EXPECT_EQ(stream.push(kWorld), " world");
  // Continuing after a prompt keeps the space.
  IncrementalDetokenizer continuation(*tok_, kHello);
  EXPECT_EQ(continuation.push(kWorld), " world");
}

TEST_F(StreamingFixture, KeepsTheSpaceAfterABosInTheMiddle) {
  IncrementalDetokenizer stream(*tok_);
  EXPECT_EQ(stream.push(kBos), "");
  EXPECT_EQ(stream.push(kHello), "hello");
  EXPECT_EQ(stream.push(kBos), "");
  EXPECT_EQ(stream.push(kWorld), " world");
}

TEST_F(StreamingFixture, FlushesADanglingPartialCharacterAsReplacement) {
  IncrementalDetokenizer stream(*tok_, kHello);
  EXPECT_EQ(stream.push(kF0), "");
  EXPECT_EQ(stream.push(k9F), "");
  EXPECT_EQ(stream.flush(), utf8::kReplacement);
  EXPECT_EQ(stream.pendingBytes(), 0u);
  EXPECT_EQ(stream.flush(), "");
}

TEST_F(StreamingFixture, ReplacesBytesThatCanNeverFormACharacterAtOnce) {
  IncrementalDetokenizer stream(*tok_, kHello);
  // A lone continuation byte is invalid whatever follows.
  EXPECT_EQ(stream.push(k80), std::string(utf8::kReplacement));
  // A character cut short by the next token: one U+FFFD, then the token.
  EXPECT_EQ(stream.push(kF0), "");
  EXPECT_EQ(stream.push(kWorld), std::string(utf8::kReplacement) + " world");
}

TEST_F(StreamingFixture, StreamedTextEqualsWholeDecode) {
  std::vector<int32_t> ids = tok_->encode("hello 😀 world😀\nhello", true);
  IncrementalDetokenizer stream(*tok_);
  std::string streamed;
  for (int32_t id : ids) {
    std::string piece = stream.push(id);
    EXPECT_TRUE(utf8::isValid(piece));
    streamed += piece;
  }
  streamed += stream.flush();
  EXPECT_EQ(streamed, tok_->decode(ids));
  EXPECT_EQ(streamed, "hello 😀 world😀\nhello");
}

TEST(StreamingLlama2c, HoldsByteFallbackEmojiAndDropsSpaceAfterBos) {
  std::string path = test::cachedFile("stories15M/tokenizer.bin");
  if (path.empty())
    GTEST_SKIP() << "stories15M/tokenizer.bin is not in the model cache";
  auto tok = Llama2cTokenizer::load(path);
  ASSERT_TRUE(tok) << tok.status().message();
  std::vector<int32_t> ids = (*tok)->encode("Once 😀", true);
  // BOS, " Once", " ", then the four byte tokens of the emoji.
  ASSERT_EQ(ids.size(), 7u);
  IncrementalDetokenizer stream(**tok);
  std::vector<std::string> out;
  for (int32_t id : ids)
    out.push_back(stream.push(id));
  EXPECT_EQ(out, (std::vector<std::string>{"", "Once", " ", "", "", "", "😀"}));
}

} // namespace
} // namespace llmc
