// Loading failures come back as errors that name the file and the problem:
// missing files, truncated or inconsistent tokenizer.bin, malformed JSON, and
// tokenizer.json components llmc does not run.
#include "runtime/tokenizer/Llama2cTokenizer.h"

#include "TokenizerTestSupport.h"
#include "runtime/tokenizer/FileContents.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <unistd.h>

namespace llmc {
namespace {

using ::testing::HasSubstr;

/// A tokenizer.bin with the given entries, as the llama2.c exporter writes it.
std::string tokenizerBin(int32_t maxLength,
                         const std::vector<std::string> &pieces) {
  std::string bytes;
  auto append = [&](const void *p, size_t n) {
    bytes.append(static_cast<const char *>(p), n);
  };
  append(&maxLength, 4);
  for (const std::string &piece : pieces) {
    float score = -1.0f;
    int32_t length = static_cast<int32_t>(piece.size());
    append(&score, 4);
    append(&length, 4);
    bytes += piece;
  }
  return bytes;
}

std::string loadError(const std::string &path) {
  auto tok = loadTokenizer(path);
  EXPECT_FALSE(tok) << "loading " << path << " should fail";
  return tok ? "" : tok.status().message();
}

/// The fixture tokenizer.json with one component replaced.
std::string fixtureWith(const char *key, const nlohmann::json &value) {
  auto text = readFileContents(test::inputPath("sp-bpe-tiny.json"));
  EXPECT_TRUE(text) << text.status().message();
  nlohmann::json json = nlohmann::json::parse(text.value());
  json[key] = value;
  return json.dump();
}

TEST(TokenizerErrors, MissingFileNamesThePath) {
  std::string path = "/nonexistent/dir/tokenizer.bin";
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("No such file"));
}

TEST(TokenizerErrors, TruncatedTokenizerBinNamesTheEntryAndOffset) {
  std::string whole = tokenizerBin(8, {"<unk>", "<s>", "</s>", "hello"});
  // Cut inside the text of entry 3, which starts at offset 4 + 13 + 11 + 12.
  std::string path = test::writeScratchFile("truncated.bin",
                                            whole.substr(0, whole.size() - 2));
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("token entry 3 (offset 40)"));
  EXPECT_THAT(message, HasSubstr("truncated"));

  // Cut inside the score/length pair.
  path =
      test::writeScratchFile("truncated-header.bin", whole.substr(0, 40 + 5));
  EXPECT_THAT(loadError(path), HasSubstr("token entry 3 (offset 40)"));
}

TEST(TokenizerErrors, TokenizerBinShorterThanExpectedVocabIsTruncated) {
  std::string path = test::writeScratchFile(
      "short.bin", tokenizerBin(8, {"<unk>", "<s>", "</s>", "a"}));
  auto tok = Llama2cTokenizer::load(path, 32000);
  ASSERT_FALSE(tok);
  EXPECT_THAT(tok.status().message(), HasSubstr(path));
  EXPECT_THAT(tok.status().message(), HasSubstr("has 4 token entries"));
  EXPECT_THAT(tok.status().message(), HasSubstr("expected 32000"));

  auto tooMany = Llama2cTokenizer::load(path, 3);
  ASSERT_FALSE(tooMany);
  EXPECT_THAT(tooMany.status().message(),
              HasSubstr("more than the expected 3"));
}

TEST(TokenizerErrors, TokenizerBinEntryLongerThanMaxLengthIsRejected) {
  std::string path = test::writeScratchFile(
      "too-long.bin", tokenizerBin(5, {"<unk>", "<s>", "</s>", "toolong"}));
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr("token entry 3"));
  EXPECT_THAT(message, HasSubstr("length 7"));
}

TEST(TokenizerErrors, MalformedJsonNamesTheFile) {
  std::string path = test::writeScratchFile(
      "malformed.json",
      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,");
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("malformed JSON"));
}

TEST(TokenizerErrors, UnsupportedModelTypeIsNamed) {
  std::string path = test::writeScratchFile(
      "wordpiece.json", fixtureWith("model", {{"type", "WordPiece"},
                                              {"unk_token", "[UNK]"},
                                              {"vocab", {{"[UNK]", 0}}}}));
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("unsupported model type 'WordPiece'"));

  path = test::writeScratchFile(
      "unigram.json",
      fixtureWith("model",
                  {{"type", "Unigram"}, {"vocab", nlohmann::json::array()}}));
  EXPECT_THAT(loadError(path), HasSubstr("'Unigram'"));
}

TEST(TokenizerErrors, UnsupportedNormalizerAndPreTokenizerAreNamed) {
  std::string path = test::writeScratchFile(
      "bert.json", fixtureWith("normalizer", {{"type", "BertNormalizer"}}));
  EXPECT_THAT(loadError(path),
              HasSubstr("unsupported normalizer 'BertNormalizer'"));

  path = test::writeScratchFile(
      "whitespace.json",
      fixtureWith("pre_tokenizer", {{"type", "Whitespace"}}));
  EXPECT_THAT(loadError(path),
              HasSubstr("unsupported pre-tokenizer 'Whitespace'"));

  path = test::writeScratchFile(
      "wordpiece-decoder.json",
      fixtureWith("decoder", {{"type", "WordPiece"}, {"prefix", "##"}}));
  EXPECT_THAT(loadError(path), HasSubstr("unsupported decoder 'WordPiece'"));
}

TEST(TokenizerErrors, MergeOfUnknownTokensIsRejected) {
  auto text = readFileContents(test::inputPath("sp-bpe-tiny.json"));
  ASSERT_TRUE(text);
  nlohmann::json json = nlohmann::json::parse(text.value());
  json["model"]["merges"].push_back("q z");
  std::string path = test::writeScratchFile("bad-merge.json", json.dump());
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr("model.merges[10] 'q z'"));
  EXPECT_THAT(message, HasSubstr("not in the vocabulary"));
}

TEST(TokenizerErrors, ImplausibleTokenIdsAreRejected) {
  // Tables are indexed by id, so an id of 2^31 - 1 must not size them.
  auto text = readFileContents(test::inputPath("sp-bpe-tiny.json"));
  ASSERT_TRUE(text);
  nlohmann::json json = nlohmann::json::parse(text.value());
  json["model"]["vocab"]["huge"] = 2147483647;
  std::string path = test::writeScratchFile("huge-id.json", json.dump());
  EXPECT_THAT(loadError(path), HasSubstr("model.vocab[\"huge\"] is not an id"));
}

TEST(TokenizerErrors, BadSplitRegexIsReported) {
  std::string path = test::writeScratchFile(
      "bad-regex.json",
      fixtureWith("pre_tokenizer", {{"type", "Split"},
                                    {"pattern", {{"Regex", "(unclosed"}}},
                                    {"behavior", "Isolated"},
                                    {"invert", false}}));
  std::string message = loadError(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("(unclosed"));
}

TEST(TokenizerErrors, DirectoryWithoutTokenizerIsReported) {
  std::string file = test::writeScratchFile("placeholder", "");
  std::string dir = file.substr(0, file.rfind('/'));
  EXPECT_THAT(loadError(dir), HasSubstr("neither tokenizer.json nor"));
}

TEST(TokenizerErrors, DeeplyNestedSequencePreTokenizerIsRefused) {
  // 100,000 nested Sequence pre-tokenizers would overflow the stack of the
  // recursive reader; the nesting is bounded before parsing.
  auto text = readFileContents(test::inputPath("sp-bpe-tiny.json"));
  ASSERT_TRUE(text);
  const std::string open = R"({"type": "Sequence", "pretokenizers": [)";
  std::string nested;
  for (int i = 0; i < 100000; ++i)
    nested += open;
  nested += "null";
  for (int i = 0; i < 100000; ++i)
    nested += "]}";
  std::string json = text.value();
  const std::string key = R"("pre_tokenizer": null)";
  ASSERT_NE(json.find(key), std::string::npos);
  json.replace(json.find(key), key.size(), R"("pre_tokenizer": )" + nested);
  std::string path = test::writeScratchFile("deep.json", json);
  EXPECT_THAT(loadError(path), HasSubstr("JSON nests deeper than 128 levels"));
}

TEST(TokenizerErrors, TokenizerFilesMustBeRegularFiles) {
  std::string file = test::writeScratchFile("placeholder2", "");
  std::string link = file + ".zero";
  ASSERT_EQ(::symlink("/dev/zero", link.c_str()), 0);
  EXPECT_THAT(loadError(link), HasSubstr("it is a character device, not a "
                                         "regular file"));
}

TEST(TokenizerFit, RefusesMoreIdsThanTheModelAndWarnsOfFarFewer) {
  auto tok = loadTokenizer(test::inputPath("sp-bpe-tiny.json"));
  ASSERT_TRUE(tok) << tok.status().message();
  const int32_t own = (*tok)->vocabSize();
  auto larger = checkTokenizerFitsModel(**tok, "t.json", own - 1);
  ASSERT_FALSE(larger);
  EXPECT_THAT(larger.status().message(),
              HasSubstr("tokenizer t.json has " + std::to_string(own) +
                        " tokens but the model has only"));
  auto padded = checkTokenizerFitsModel(**tok, "t.json", own + 1);
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded.value(), "");
  auto mismatched = checkTokenizerFitsModel(**tok, "t.json", 32000);
  ASSERT_TRUE(mismatched);
  EXPECT_THAT(mismatched.value(),
              HasSubstr("far fewer than the model's 32000"));
}

} // namespace
} // namespace llmc
