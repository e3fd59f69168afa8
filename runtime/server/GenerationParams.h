// GenerationParams: the body of POST /v1/completions and
// /v1/chat/completions, parsed and checked field by field. Every refusal is
// an OpenAI-shaped ApiError naming the field. Checks that need the model
// (the prompt's length against the context, the model's name) are the
// server's; these need only the body.
#pragma once

#include "runtime/server/ApiError.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace llmc::server {

struct ChatMessage {
  std::string role; ///< "system", "user", "assistant", ...
  std::string content;
};

struct GenerationParams {
  bool chat = false;
  std::string model; ///< "" when the body names none
  /// Completions: the prompt as text, or as token ids (promptIsIds).
  std::string prompt;
  std::vector<int32_t> promptIds;
  bool promptIsIds = false;
  /// Chat: the conversation.
  std::vector<ChatMessage> messages;

  std::optional<int32_t> maxTokens; ///< none: the endpoint's default
  float temperature = 1.0f;
  float topP = 1.0f;
  int64_t topK = 0; ///< 0: off (-1 in the body means off too)
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool stream = false;
  bool includeUsage = false; ///< stream_options.include_usage
  /// -1: none; k >= 0: each token's log-probability and the k most likely
  /// (completions' `logprobs`, chat's `top_logprobs` with `logprobs`).
  int32_t logprobs = -1;
  bool echo = false; ///< completions: the prompt starts the text
};

/// Parses and checks `body` for the chat endpoint (`chat`) or the
/// completions endpoint.
std::variant<GenerationParams, ApiError>
parseGenerationParams(std::string_view body, bool chat);

} // namespace llmc::server
