// OpenAI response objects.
#include "runtime/server/ResponseFormat.h"

namespace llmc::server {

using nlohmann::json;

std::string dumpJson(const json &value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json usageJson(int64_t promptTokens, int64_t completionTokens) {
  return {{"prompt_tokens", promptTokens},
          {"completion_tokens", completionTokens},
          {"total_tokens", promptTokens + completionTokens}};
}

/// A string that survives JSON: token bytes cut inside a character are
/// replaced when dumped; "bytes" keeps them exactly.
static json bytesOf(const std::string &text) {
  json bytes = json::array();
  for (unsigned char c : text)
    bytes.push_back(int(c));
  return bytes;
}

json completionLogprobs(const std::vector<TokenInfo> &tokens, int64_t offset) {
  json texts = json::array(), logprobs = json::array(), tops = json::array(),
       offsets = json::array();
  for (const TokenInfo &t : tokens) {
    texts.push_back(t.text);
    logprobs.push_back(t.logprob ? json(*t.logprob) : json(nullptr));
    if (!t.logprob) {
      tops.push_back(nullptr);
    } else {
      json top = json::object();
      for (const auto &[text, lp] : t.top)
        top[text] = lp;
      tops.push_back(top);
    }
    offsets.push_back(offset);
    offset += int64_t(t.text.size());
  }
  return {{"tokens", texts},
          {"token_logprobs", logprobs},
          {"top_logprobs", tops},
          {"text_offset", offsets}};
}

json chatLogprobs(const std::vector<TokenInfo> &tokens) {
  json content = json::array();
  for (const TokenInfo &t : tokens) {
    json top = json::array();
    for (const auto &[text, lp] : t.top)
      top.push_back(
          {{"token", text}, {"logprob", lp}, {"bytes", bytesOf(text)}});
    content.push_back({{"token", t.text},
                       {"logprob", t.logprob.value_or(0.0f)},
                       {"bytes", bytesOf(t.text)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}};
}

static json header(const ResponseIds &ids, const char *object) {
  return {{"id", ids.id},
          {"object", object},
          {"created", ids.created},
          {"model", ids.model}};
}

json streamChunk(const ResponseIds &ids, const std::string &text,
                 const json &logprobs,
                 const std::optional<std::string> &finishReason, bool first,
                 bool withUsageField) {
  json choice = {
      {"index", 0},
      {"logprobs", logprobs},
      {"finish_reason", finishReason ? json(*finishReason) : json(nullptr)}};
  json chunk;
  if (ids.chat) {
    json delta = json::object();
    if (first)
      delta["role"] = "assistant";
    if (!text.empty() || first)
      delta["content"] = text;
    choice["delta"] = delta;
    chunk = header(ids, "chat.completion.chunk");
  } else {
    choice["text"] = text;
    chunk = header(ids, "text_completion");
  }
  chunk["choices"] = json::array({choice});
  if (withUsageField)
    chunk["usage"] = nullptr;
  return chunk;
}

json usageChunk(const ResponseIds &ids, int64_t promptTokens,
                int64_t completionTokens) {
  json chunk =
      header(ids, ids.chat ? "chat.completion.chunk" : "text_completion");
  chunk["choices"] = json::array();
  chunk["usage"] = usageJson(promptTokens, completionTokens);
  return chunk;
}

json fullResponse(const ResponseIds &ids, const std::string &text,
                  const json &logprobs, const std::string &finishReason,
                  int64_t promptTokens, int64_t completionTokens) {
  json choice = {
      {"index", 0}, {"logprobs", logprobs}, {"finish_reason", finishReason}};
  json response;
  if (ids.chat) {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
    response = header(ids, "chat.completion");
  } else {
    choice["text"] = text;
    response = header(ids, "text_completion");
  }
  response["choices"] = json::array({choice});
  response["usage"] = usageJson(promptTokens, completionTokens);
  return response;
}

} // namespace llmc::server
