// A SentencePiece-style tokenizer.json (the Llama-2 flavour) written by hand in
// Inputs/sp-bpe-tiny.json: Prepend + Replace normalizer, BPE merges by rank,
// "<0xNN>" byte fallback, the <s> template and the Replace/ByteFallback/Strip
// decoder. Its vocabulary is small enough to check every id by eye.
#include "runtime/tokenizer/HfTokenizer.h"

#include "TokenizerTestSupport.h"
#include "runtime/tokenizer/FileContents.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace llmc {
namespace {

using Ids = std::vector<int32_t>;

// Ids of the fixture's vocabulary used below.
constexpr int32_t kUnk = 0, kBos = 1, kEos = 2, kNewline = 3, kSpace = 8,
                  kL = 11, kLl = 17, kHe = 18, kLlo = 19, kHello = 20,
                  kWorld = 25;
// <0xF0> <0x9F> <0x98> <0x80>: the bytes of 😀.
const Ids kGrinningBytes = {4, 5, 6, 7};

nlohmann::json fixtureJson() {
  auto text = readFileContents(test::inputPath("sp-bpe-tiny.json"));
  EXPECT_TRUE(text) << text.status().message();
  return nlohmann::json::parse(text.value());
}

std::unique_ptr<HfTokenizer> loadJson(const nlohmann::json &json) {
  auto tok = HfTokenizer::fromJson(json.dump(), "variant.json");
  EXPECT_TRUE(tok) << tok.status().message();
  return tok ? std::move(tok).value() : nullptr;
}

class SentencePieceJson : public ::testing::Test {
protected:
  void SetUp() override {
    auto tok = HfTokenizer::load(test::inputPath("sp-bpe-tiny.json"));
    ASSERT_TRUE(tok) << tok.status().message();
    tok_ = std::move(tok).value();
  }
  std::unique_ptr<HfTokenizer> tok_;
};

TEST_F(SentencePieceJson, EncodesWordsByMergeRankWithThePrependedSpace) {
  EXPECT_EQ(tok_->encode("hello world", false), (Ids{kHello, kWorld}));
  EXPECT_EQ(tok_->encode("hello world", true), (Ids{kBos, kHello, kWorld}));
  // ▁ h e l l: "▁ h", "l l", "▁h e" apply; nothing joins ▁he and ll.
  EXPECT_EQ(tok_->encode("hell", false), (Ids{kHe, kLl}));
  // ▁ l l l: the two "l l" pairs tie and the left one wins.
  EXPECT_EQ(tok_->encode("lll", false), (Ids{kSpace, kLl, kL}));
}

TEST_F(SentencePieceJson, FallsBackToByteTokensForUnknownCharacters) {
  Ids expected = {kSpace};
  expected.insert(expected.end(), kGrinningBytes.begin(), kGrinningBytes.end());
  EXPECT_EQ(tok_->encode("😀", false), expected);
  EXPECT_EQ(tok_->decode(expected), "😀");
  EXPECT_EQ(tok_->encode("hello\n", false), (Ids{kHello, kNewline}));
}

TEST_F(SentencePieceJson, UsesUnkWhenABytesTokenIsMissing) {
  // é is C3 A9; the fixture has no <0xC3>, so the character is unknown, and
  // fuse_unk folds the two unknown characters into one <unk>.
  EXPECT_EQ(tok_->encode("éé", false), (Ids{kSpace, kUnk}));
}

TEST_F(SentencePieceJson, DecodesSpacesAndDropsTheFirstOne) {
  EXPECT_EQ(tok_->decode({kBos, kHello, kWorld}), "hello world");
  EXPECT_EQ(tok_->decode({kHello, kWorld}), "hello world");
  EXPECT_EQ(tok_->decodeToken(kHello, kWorld), " world");
  EXPECT_EQ(tok_->decodeToken(kBos, kWorld), "world");
  EXPECT_EQ(tok_->decodeToken(kHello, kNewline), "\n");
}

TEST_F(SentencePieceJson, MatchesAddedTokensInTheText) {
  // "</s>" is one token, and the text after it gets its own ▁ prefix.
  EXPECT_EQ(tok_->encode("hello</s>world", false), (Ids{kHello, kEos, kWorld}));
}

TEST_F(SentencePieceJson, ReportsSpecialTokens) {
  EXPECT_EQ(tok_->bosId(), kBos);
  EXPECT_EQ(tok_->eosId(), kEos);
  EXPECT_EQ(tok_->vocabSize(), 26);
  EXPECT_TRUE(tok_->isSpecial(kBos));
  EXPECT_FALSE(tok_->isSpecial(kHello));
  EXPECT_EQ(tok_->stopIds(), (Ids{kEos}));
  EXPECT_FALSE(tok_->isByteLevel());
  EXPECT_EQ(tok_->tokenId("▁hello"), kHello);
  EXPECT_EQ(tok_->tokenText(kWorld), "▁world");
}

TEST_F(SentencePieceJson, RoundTripsTextItCanRepresent) {
  for (std::string text :
       {"hello world", " hello", "world  hello\n\n", "😀hello😀", "ldr owl"})
    EXPECT_EQ(tok_->decode(tok_->encode(text, true)), text) << text;
}

TEST(SentencePieceJsonVariants, ReadsMergesWrittenAsPairs) {
  nlohmann::json json = fixtureJson();
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto &merge : json["model"]["merges"]) {
    std::string both = merge.get<std::string>();
    size_t space = both.find(' ');
    pairs.push_back({both.substr(0, space), both.substr(space + 1)});
  }
  json["model"]["merges"] = pairs;
  auto tok = loadJson(json);
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("hello world", false), (Ids{kHello, kWorld}));
  EXPECT_EQ(tok->encode("hell", false), (Ids{kHe, kLl}));
}

TEST(SentencePieceJsonVariants, ReadsTheMetaspacePreTokenizerForm) {
  // The older Llama-2 files: no normalizer, a Metaspace pre-tokenizer and a
  // Metaspace decoder.
  nlohmann::json json = fixtureJson();
  json["normalizer"] = nullptr;
  json["pre_tokenizer"] = {{"type", "Metaspace"},
                           {"replacement", "▁"},
                           {"prepend_scheme", "first"},
                           {"split", false}};
  json["decoder"] = {{"type", "Metaspace"},
                     {"replacement", "▁"},
                     {"prepend_scheme", "first"},
                     {"split", false}};
  auto tok = loadJson(json);
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("hello world", true), (Ids{kBos, kHello, kWorld}));
  // "first": only text at the very start gets the ▁ prefix.
  EXPECT_EQ(tok->encode("hello</s>hello", false),
            (Ids{kHello, kEos, 9, 10, kLlo}));
  EXPECT_EQ(tok->decode({kBos, kHello, kWorld}), "hello world");
}

TEST(SentencePieceJsonVariants, AddsNoBosWithoutAPostProcessor) {
  // The special tokens are the post-processor's: without one, none, as in
  // the tokenizers library. The BOS is still known by name.
  nlohmann::json json = fixtureJson();
  json["post_processor"] = nullptr;
  auto tok = loadJson(json);
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->bosId(), kBos);
  EXPECT_EQ(tok->encode("hello", true), (Ids{kHello}));
}

TEST_F(SentencePieceJson, DropsTheSpaceOnlyAtTheStartOfTheText) {
  // A BOS in the middle does not start the text again.
  EXPECT_EQ(tok_->decode({kBos, kHello, kBos, kWorld}), "hello world");
  EXPECT_EQ(tok_->decode({kHello, kBos, kEos, kWorld}), "hello world");
  EXPECT_EQ(tok_->decode({kBos, kBos, kHello}), "hello");
}

TEST(SentencePieceJsonVariants, AddedTokensStripUnicodeWhitespace) {
  nlohmann::json json = fixtureJson();
  for (auto &token : json["added_tokens"])
    if (token["content"] == "</s>") {
      token["lstrip"] = true;
      token["rstrip"] = true;
    }
  auto tok = loadJson(json);
  ASSERT_TRUE(tok);
  // U+3000 IDEOGRAPHIC SPACE before, U+00A0 NO-BREAK SPACE and a tab after.
  EXPECT_EQ(tok->encode("hello\u3000 </s>\u00A0\tworld", false),
            (Ids{kHello, kEos, kWorld}));
  // U+180E is not whitespace: it stays (and is unknown to the vocabulary).
  EXPECT_EQ(tok->encode("hello\u180E</s>", false), (Ids{kHello, kUnk, kEos}));
}

} // namespace
} // namespace llmc
