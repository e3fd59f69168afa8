// Request bodies: defaults, every accepted form, and a refusal naming the
// field for each kind of bad input.
#include "runtime/server/GenerationParams.h"

#include <gtest/gtest.h>

using namespace llmc::server;

namespace {

GenerationParams parsed(const std::string &body, bool chat = false) {
  auto result = parseGenerationParams(body, chat);
  if (auto *error = std::get_if<ApiError>(&result)) {
    ADD_FAILURE() << error->body();
    return {};
  }
  return std::get<GenerationParams>(result);
}

ApiError refused(const std::string &body, bool chat = false) {
  auto result = parseGenerationParams(body, chat);
  if (auto *error = std::get_if<ApiError>(&result))
    return *error;
  ADD_FAILURE() << "accepted: " << body;
  return {};
}

} // namespace

TEST(GenerationParams, ReadsACompletionRequest) {
  GenerationParams p = parsed(
      R"({"model":"m","prompt":"hi","max_tokens":5,"temperature":0,)"
      R"("top_p":0.5,"top_k":-1,"seed":3,"stop":"x","stream":true,)"
      R"("stream_options":{"include_usage":true},"logprobs":2,"echo":true})");
  EXPECT_EQ(p.model, "m");
  EXPECT_EQ(p.prompt, "hi");
  EXPECT_EQ(*p.maxTokens, 5);
  EXPECT_EQ(p.temperature, 0.0f);
  EXPECT_EQ(p.topP, 0.5f);
  EXPECT_EQ(p.topK, 0);
  EXPECT_EQ(*p.seed, 3u);
  EXPECT_EQ(p.stop, std::vector<std::string>{"x"});
  EXPECT_TRUE(p.stream && p.includeUsage && p.echo);
  EXPECT_EQ(p.logprobs, 2);
}

TEST(GenerationParams, ReadsTokenIdPromptsAndChatMessages) {
  GenerationParams ids = parsed(R"({"prompt":[1, 2, 3]})");
  EXPECT_TRUE(ids.promptIsIds);
  EXPECT_EQ(ids.promptIds, (std::vector<int32_t>{1, 2, 3}));
  GenerationParams chat = parsed(
      R"({"messages":[{"role":"system","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"a"},)"
      R"({"type":"text","text":"b"}]}],"logprobs":true,"top_logprobs":3})",
      true);
  ASSERT_EQ(chat.messages.size(), 2u);
  EXPECT_EQ(chat.messages[1].content, "ab");
  EXPECT_EQ(chat.logprobs, 3);
}

TEST(GenerationParams, RefusesBadInputNamingTheField) {
  EXPECT_EQ(refused("{").code, "invalid_json");
  EXPECT_EQ(refused("\"x\"").code, "invalid_type");
  EXPECT_EQ(refused(std::string("{\"prompt\":\"\xff\"}")).code,
            "invalid_encoding");
  EXPECT_EQ(refused(R"({})").param, "prompt");
  EXPECT_EQ(refused(R"({"prompt":"a","temperature":"hot"})").param,
            "temperature");
  EXPECT_EQ(refused(R"({"prompt":"a","temperature":2.5})").param,
            "temperature");
  EXPECT_EQ(refused(R"({"prompt":"a","top_p":0})").param, "top_p");
  EXPECT_EQ(refused(R"({"prompt":"a","max_tokens":0})").param, "max_tokens");
  EXPECT_EQ(refused(R"({"prompt":"a","max_tokens":1.5})").param, "max_tokens");
  EXPECT_EQ(refused(R"({"prompt":"a","n":2})").param, "n");
  EXPECT_EQ(refused(R"({"prompt":"a","stop":[1]})").param, "stop");
  EXPECT_EQ(refused(R"({"prompt":["a","b"]})").param, "prompt");
  EXPECT_EQ(refused(R"({"prompt":[-1]})").param, "prompt");
  EXPECT_EQ(refused(R"({"messages":[{"role":"x","content":"a"}]})", true).param,
            "messages[0].role");
  EXPECT_EQ(refused(R"({"messages":[],"top_logprobs":2})", true).param,
            "messages");
  EXPECT_EQ(refused(R"({"messages":[{"role":"user","content":"a"}],)"
                    R"("top_logprobs":2})",
                    true)
                .param,
            "top_logprobs");
  ApiError e = refused(R"({"prompt":"a","stream":1})");
  EXPECT_EQ(e.status, 400);
  EXPECT_NE(e.body().find(R"("param":"stream")"), std::string::npos);
}

TEST(GenerationParams, MaxTokensZeroOnlyScoresAnEchoedPrompt) {
  EXPECT_EQ(*parsed(R"({"prompt":"a","max_tokens":0,"echo":true})").maxTokens,
            0);
}
