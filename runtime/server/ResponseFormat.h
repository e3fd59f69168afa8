// ResponseFormat: the JSON objects of OpenAI's completion and chat APIs, whole
// and as stream chunks: choices, deltas, log-probabilities and usage. Pure
// functions of what a request produced; CompletionJob decides when to send
// them.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmc::server {

/// One token as the API shows it: its text and log-probabilities.
struct TokenInfo {
  std::string text;             ///< the token's bytes (maybe part of a char)
  std::optional<float> logprob; ///< none: the first token of an echoed prompt
  std::vector<std::pair<std::string, float>> top; ///< most likely first
};

/// What identifies one response across its chunks.
struct ResponseIds {
  bool chat = false;
  std::string id; ///< "cmpl-..." or "chatcmpl-..."
  int64_t created = 0;
  std::string model;
};

/// A JSON text of `value`; invalid UTF-8 (a token cut inside a character)
/// becomes U+FFFD instead of failing.
std::string dumpJson(const nlohmann::json &value);

nlohmann::json usageJson(int64_t promptTokens, int64_t completionTokens);

/// `logprobs` of a completion choice: tokens, token_logprobs, top_logprobs,
/// text_offset (offsets start at `offset`).
nlohmann::json completionLogprobs(const std::vector<TokenInfo> &tokens,
                                  int64_t offset);
/// `logprobs` of a chat choice: {"content": [{token, logprob, bytes,
/// top_logprobs}]}.
nlohmann::json chatLogprobs(const std::vector<TokenInfo> &tokens);

/// One stream chunk with `text` and, when given, logprobs and a finish
/// reason. `first` adds the assistant role to a chat delta.
nlohmann::json streamChunk(const ResponseIds &ids, const std::string &text,
                           const nlohmann::json &logprobs,
                           const std::optional<std::string> &finishReason,
                           bool first, bool withUsageField);
/// The last chunk of stream_options.include_usage: no choices, the usage.
nlohmann::json usageChunk(const ResponseIds &ids, int64_t promptTokens,
                          int64_t completionTokens);
/// The whole (non-streamed) response.
nlohmann::json fullResponse(const ResponseIds &ids, const std::string &text,
                            const nlohmann::json &logprobs,
                            const std::string &finishReason,
                            int64_t promptTokens, int64_t completionTokens);

} // namespace llmc::server
