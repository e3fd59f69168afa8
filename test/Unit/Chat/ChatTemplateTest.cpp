// Real chat templates (Llama 2, Mistral v0.1 and v0.3, Llama 3.2) rendered
// to the prompts their model cards show, and tokenizer_config.json loading.
#include "runtime/chat/ChatTemplate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmc::chat {
namespace {

std::string readInput(const std::string &name) {
  std::ifstream in(std::string(LLMC_CHAT_TEST_INPUTS) + "/" + name);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

ChatTemplate parseInput(const std::string &name) {
  StatusOr<ChatTemplate> t = ChatTemplate::parse(readInput(name));
  EXPECT_TRUE(t.isOk()) << t.status().message();
  return std::move(t).value();
}

const std::vector<Message> kConversation = {
    {"system", "Be brief."},
    {"user", "Hi! "},
    {"assistant", " Hello. "},
    {"user", "Ça va ? 😀"},
};

TEST(ChatTemplate, Llama2PutsTheSystemPromptInTheFirstInstruction) {
  ChatTemplate t = parseInput("llama2-chat.jinja");
  StatusOr<std::string> out = t.render(kConversation, true, "<s>", "</s>");
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ(*out,
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi! [/INST] Hello. </s>"
            "<s>[INST] Ça va ? 😀 [/INST]");
}

TEST(ChatTemplate, Llama2RefusesRolesThatDoNotAlternate) {
  ChatTemplate t = parseInput("llama2-chat.jinja");
  StatusOr<std::string> out =
      t.render({{"user", "a"}, {"user", "b"}}, false, "<s>", "</s>");
  ASSERT_FALSE(out.isOk());
  EXPECT_EQ(out.status().message(),
            "chat template: line 1: the template raised an exception: "
            "Conversation roles must "
            "alternate user/assistant/user/assistant/...");
}

TEST(ChatTemplate, MistralWrapsUserTurnsInInst) {
  ChatTemplate t = parseInput("mistral-instruct.jinja");
  StatusOr<std::string> out =
      t.render({{"user", "Hi"}, {"assistant", "Yo"}, {"user", "Q"}}, true,
               "<s>", "</s>");
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ(*out, "<s>[INST] Hi [/INST]Yo</s>[INST] Q [/INST]");
  EXPECT_FALSE(
      t.render(kConversation, true, "<s>", "</s>").isOk()); // no system role
}

TEST(ChatTemplate, MistralV3PutsTheSystemPromptInTheLastInstruction) {
  ChatTemplate t = parseInput("mistral-v3-instruct.jinja");
  StatusOr<std::string> out = t.render(kConversation, true, "<s>", "</s>");
  ASSERT_TRUE(out.isOk()) << out.status().message();
  EXPECT_EQ(
      *out,
      "<s>[INST] Hi! [/INST] Hello.</s>[INST] Be brief.\n\nÇa va ? 😀[/INST]");
}

TEST(ChatTemplate, Llama32StatesTodaysDate) {
  ChatTemplate t = parseInput("llama3.2-instruct.jinja");
  StatusOr<std::string> out =
      t.render({{"user", " Hi "}}, true, "<|begin_of_text|>", "<|eot_id|>");
  ASSERT_TRUE(out.isOk()) << out.status().message();
  const std::string head =
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
      "Cutting Knowledge Date: December 2023\nToday Date: ";
  ASSERT_EQ(out->substr(0, head.size()), head);
  std::string rest = out->substr(head.size());
  // "02 Dec 2026": strftime_now("%d %b %Y").
  ASSERT_GE(rest.size(), 11u);
  EXPECT_EQ(rest.substr(11),
            "\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi"
            "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
}

class ChatTemplateConfig : public ::testing::Test {
protected:
  std::string write(const std::string &json) {
    path_ =
        std::filesystem::temp_directory_path() /
        ("llmc-chat-" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
         ".json");
    std::ofstream(path_) << json;
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
};

TEST_F(ChatTemplateConfig, ReadsTheStringForm) {
  auto t = loadChatTemplate(write(
      R"({"chat_template": "{{ bos_token }}{{ messages[0].content }}"})"));
  ASSERT_TRUE(t.isOk()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ(*(*t)->render({{"user", "x"}}, false, "<s>", ""), "<s>x");
}

TEST_F(ChatTemplateConfig, PicksTheDefaultOfTheListForm) {
  auto t = loadChatTemplate(write(
      R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})"));
  ASSERT_TRUE(t.isOk()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ(*(*t)->render({}, false, "", ""), "D");
}

TEST_F(ChatTemplateConfig, NoTemplateIsNotAnError) {
  auto t = loadChatTemplate(write(R"({"bos_token": "<s>"})"));
  ASSERT_TRUE(t.isOk()) << t.status().message();
  EXPECT_FALSE(t->has_value());
}

TEST_F(ChatTemplateConfig, BadTemplatesAreErrorsNamingTheFile) {
  std::string path =
      write(R"({"chat_template": [{"name": "tool_use", "template": "T"}]})");
  auto t = loadChatTemplate(path);
  ASSERT_FALSE(t.isOk());
  EXPECT_EQ(t.status().message(),
            path +
                ": chat_template: the list has no template named \"default\"");
  path = write(R"({"chat_template": "{% if %}"})");
  t = loadChatTemplate(path);
  ASSERT_FALSE(t.isOk());
  EXPECT_EQ(t.status().message(),
            path +
                ": chat template: line 1: expected an expression, found '%}'");
  EXPECT_FALSE(loadChatTemplate("/nonexistent/tokenizer_config.json").isOk());
}

} // namespace
} // namespace llmc::chat
