// Chat prompts: the default format, and a model's template with its BOS and
// EOS texts when its tokenizer_config.json has one.
#include "runtime/server/ChatPrompt.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace llmc;
using namespace llmc::server;

namespace {

/// A tokenizer with BOS and EOS texts and nothing else of interest.
class TinyTokenizer : public Tokenizer {
public:
  std::vector<int32_t> encode(std::string_view, bool) const override {
    return {};
  }
  std::string_view decodeToken(int32_t, int32_t) const override { return ""; }
  std::string_view tokenText(int32_t id) const override {
    return id == 1 ? "<s>" : id == 2 ? "</s>" : "";
  }
  int32_t bosId() const override { return 1; }
  int32_t eosId() const override { return 2; }
  int32_t vocabSize() const override { return 3; }
  bool isSpecial(int32_t id) const override { return id != 0; }
  std::vector<int32_t> stopIds() const override { return {2}; }
};

} // namespace

TEST(ChatPrompt, TheDefaultJoinsTheContents) {
  const ChatPrompt plain = ChatPrompt::plain();
  EXPECT_TRUE(plain.addBos());
  EXPECT_EQ(*plain.render({{"system", "Be kind."}, {"user", "Lily"}}),
            "Be kind.\nLily");
  // The answer continues its question as generated.
  EXPECT_EQ(
      *plain.render(
          {{"user", "Lily"}, {"assistant", " went home."}, {"user", "Tom"}}),
      "Lily went home.\nTom");
}

TEST(ChatPrompt, AModelWithoutAConfigGetsTheDefault) {
  TinyTokenizer tok;
  StatusOr<ChatPrompt> p = ChatPrompt::forModel("/nonexistent/config", tok);
  ASSERT_TRUE(p.isOk());
  EXPECT_FALSE(p->hasTemplate());
}

TEST(ChatPrompt, RendersTheModelsTemplate) {
  const std::string path = ::testing::TempDir() + "tokenizer_config.json";
  {
    std::ofstream out(path);
    out << R"({"chat_template": "{{ bos_token }}{% for m in messages %})"
           R"([{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %})"
           R"({% if add_generation_prompt %}[assistant] {% endif %}"})";
  }
  TinyTokenizer tok;
  StatusOr<ChatPrompt> p = ChatPrompt::forModel(path, tok);
  ASSERT_TRUE(p.isOk()) << p.status().message();
  ASSERT_TRUE(p->hasTemplate());
  EXPECT_FALSE(p->addBos());
  EXPECT_EQ(*p->render({{"user", "hi"}}), "<s>[user] hi</s>[assistant] ");
  std::remove(path.c_str());
}
