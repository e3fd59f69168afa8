// Field-by-field parsing of OpenAI completion and chat bodies.
#include "runtime/server/GenerationParams.h"

#include "runtime/serving/Request.h"
#include "runtime/tokenizer/Utf8.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace llmc::server {

using nlohmann::json;

namespace {

/// Thrown inside the parser, caught once at its top.
struct Refusal {
  ApiError error;
};

[[noreturn]] void refuse(const std::string &param, const std::string &message,
                         const std::string &code = "invalid_value") {
  throw Refusal{invalidParam(param, message, code)};
}

[[noreturn]] void wrongType(const std::string &param,
                            const std::string &expected) {
  refuse(param, "'" + param + "' must be " + expected, "invalid_type");
}

/// The field, or null when absent.
const json &field(const json &body, const char *name) {
  static const json null;
  auto it = body.find(name);
  return it == body.end() ? null : *it;
}

double number(const json &v, const char *name) {
  if (!v.is_number())
    wrongType(name, "a number");
  const double x = v.get<double>();
  if (!std::isfinite(x))
    refuse(name, std::string("'") + name + "' must be finite");
  return x;
}

int64_t integer(const json &v, const char *name) {
  if (v.is_number_integer())
    return v.get<int64_t>();
  // 3.0 is an integer too; 3.5 is not.
  if (v.is_number_float()) {
    const double x = v.get<double>();
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9e15)
      return int64_t(x);
  }
  wrongType(name, "an integer");
}

bool boolean(const json &v, const char *name) {
  if (!v.is_boolean())
    wrongType(name, "a boolean");
  return v.get<bool>();
}

std::vector<int32_t> tokenIds(const json &v, const char *name) {
  std::vector<int32_t> ids;
  for (const json &id : v) {
    const int64_t x = integer(id, name);
    if (x < 0 || x > std::numeric_limits<int32_t>::max())
      refuse(name, std::string("'") + name + "' holds token id " +
                       std::to_string(x) + ", outside the vocabulary");
    ids.push_back(int32_t(x));
  }
  return ids;
}

void parsePrompt(const json &v, GenerationParams &p) {
  if (v.is_null())
    refuse("prompt", "'prompt' is required", "missing_required_parameter");
  if (v.is_string()) {
    p.prompt = v.get<std::string>();
    return;
  }
  if (!v.is_array())
    wrongType("prompt", "a string, an array of token ids, or an array of one "
                        "of those");
  if (v.empty())
    refuse("prompt", "'prompt' must not be empty");
  if (v[0].is_number()) {
    p.promptIds = tokenIds(v, "prompt");
    p.promptIsIds = true;
    return;
  }
  if (v.size() != 1)
    refuse("prompt",
           "batched prompts are not supported: send one prompt per request");
  if (v[0].is_string())
    p.prompt = v[0].get<std::string>();
  else if (v[0].is_array() && !v[0].empty()) {
    p.promptIds = tokenIds(v[0], "prompt");
    p.promptIsIds = true;
  } else
    wrongType("prompt", "a string, an array of token ids, or an array of one "
                        "of those");
}

std::string messageContent(const json &v, size_t i) {
  const std::string name = "messages[" + std::to_string(i) + "].content";
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_null())
    return {};
  if (!v.is_array())
    wrongType(name, "a string or an array of text parts");
  std::string text;
  for (const json &part : v) {
    if (!part.is_object() || field(part, "type") != "text" ||
        !field(part, "text").is_string())
      refuse(name, "'" + name +
                       "' may hold only parts {\"type\": \"text\", "
                       "\"text\": ...}");
    text += part["text"].get<std::string>();
  }
  return text;
}

void parseMessages(const json &v, GenerationParams &p) {
  if (v.is_null())
    refuse("messages", "'messages' is required", "missing_required_parameter");
  if (!v.is_array())
    wrongType("messages", "an array of messages");
  if (v.empty())
    refuse("messages", "'messages' must not be empty");
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string name = "messages[" + std::to_string(i) + "]";
    if (!v[i].is_object())
      wrongType(name, "an object");
    const json &role = field(v[i], "role");
    if (!role.is_string())
      wrongType(name + ".role", "a string");
    const std::string r = role.get<std::string>();
    if (r != "system" && r != "user" && r != "assistant" && r != "developer" &&
        r != "tool")
      refuse(name + ".role", "unknown role '" + r +
                                 "': use system, developer, user, assistant "
                                 "or tool");
    p.messages.push_back({r, messageContent(field(v[i], "content"), i)});
  }
}

void parseStop(const json &v, GenerationParams &p) {
  if (v.is_null())
    return;
  if (v.is_string()) {
    p.stop.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const json &s : v) {
      if (!s.is_string())
        wrongType("stop", "a string or an array of strings");
      p.stop.push_back(s.get<std::string>());
    }
  } else {
    wrongType("stop", "a string or an array of strings");
  }
  if (p.stop.size() > 16)
    refuse("stop", "at most 16 stop strings are supported");
  for (const std::string &s : p.stop)
    if (s.empty())
      refuse("stop", "stop strings must not be empty");
}

void parseSampling(const json &body, GenerationParams &p) {
  if (const json &v = field(body, "temperature"); !v.is_null()) {
    const double t = number(v, "temperature");
    if (t < 0 || t > 2)
      refuse("temperature",
             "'temperature' must be in [0, 2], got " + std::to_string(t));
    p.temperature = float(t);
  }
  if (const json &v = field(body, "top_p"); !v.is_null()) {
    const double t = number(v, "top_p");
    if (t <= 0 || t > 1)
      refuse("top_p", "'top_p' must be in (0, 1], got " + std::to_string(t));
    p.topP = float(t);
  }
  if (const json &v = field(body, "top_k"); !v.is_null()) {
    const int64_t k = integer(v, "top_k");
    if (k < -1)
      refuse("top_k", "'top_k' must be -1 or 0 (off) or positive, got " +
                          std::to_string(k));
    p.topK = k < 0 ? 0 : k;
  }
  if (const json &v = field(body, "seed"); !v.is_null())
    p.seed = uint64_t(integer(v, "seed"));
  if (const json &v = field(body, "n"); !v.is_null() && integer(v, "n") != 1)
    refuse("n", "only n = 1 is supported");
  for (const char *name : {"presence_penalty", "frequency_penalty"})
    if (const json &v = field(body, name); !v.is_null() && number(v, name) != 0)
      refuse(name, std::string("'") + name + "' is not supported (only 0)");
}

void parseLogprobs(const json &body, GenerationParams &p) {
  const int32_t most = serving::kMaxTopLogprobs;
  auto inRange = [&](int64_t k, const char *name) {
    if (k < 0 || k > most)
      refuse(name, std::string("'") + name + "' must be in [0, " +
                       std::to_string(most) + "], got " + std::to_string(k));
    return int32_t(k);
  };
  if (!p.chat) {
    if (const json &v = field(body, "logprobs"); !v.is_null())
      p.logprobs = inRange(integer(v, "logprobs"), "logprobs");
    if (const json &v = field(body, "echo"); !v.is_null())
      p.echo = boolean(v, "echo");
    return;
  }
  const json &wanted = field(body, "logprobs");
  const bool on = !wanted.is_null() && boolean(wanted, "logprobs");
  const json &top = field(body, "top_logprobs");
  if (!top.is_null()) {
    if (!on)
      refuse("top_logprobs", "'top_logprobs' needs 'logprobs': true");
    p.logprobs = inRange(integer(top, "top_logprobs"), "top_logprobs");
  } else if (on) {
    p.logprobs = 0;
  }
}

void parseBody(const json &body, GenerationParams &p) {
  if (!body.is_object())
    throw Refusal{invalidParam("", "the request body must be a JSON object",
                               "invalid_type")};
  if (const json &v = field(body, "model"); !v.is_null()) {
    if (!v.is_string())
      wrongType("model", "a string");
    p.model = v.get<std::string>();
  }
  if (p.chat)
    parseMessages(field(body, "messages"), p);
  else
    parsePrompt(field(body, "prompt"), p);

  const char *maxName = "max_tokens";
  const json *max = &field(body, "max_tokens");
  if (p.chat && max->is_null()) {
    maxName = "max_completion_tokens";
    max = &field(body, "max_completion_tokens");
  }
  if (!max->is_null()) {
    const int64_t m = integer(*max, maxName);
    if (m < 0 || m > std::numeric_limits<int32_t>::max())
      refuse(maxName, std::string("'") + maxName + "' must be >= 1, got " +
                          std::to_string(m));
    p.maxTokens = int32_t(m);
  }
  parseSampling(body, p);
  parseStop(field(body, "stop"), p);
  if (const json &v = field(body, "stream"); !v.is_null())
    p.stream = boolean(v, "stream");
  if (const json &v = field(body, "stream_options"); !v.is_null()) {
    if (!v.is_object())
      wrongType("stream_options", "an object");
    if (const json &u = field(v, "include_usage"); !u.is_null())
      p.includeUsage = boolean(u, "stream_options.include_usage");
  }
  parseLogprobs(body, p);
  // 0 tokens only scores an echoed prompt (what evaluation harnesses send).
  if (p.maxTokens && *p.maxTokens == 0 && !p.echo)
    refuse(maxName, std::string("'") + maxName +
                        "' must be >= 1 (0 only with echo), got 0");
}

} // namespace

std::variant<GenerationParams, ApiError>
parseGenerationParams(std::string_view body, bool chat) {
  if (!utf8::isValid(body))
    return invalidParam("", "the request body is not valid UTF-8",
                        "invalid_encoding");
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::exception &e) {
    return invalidParam(
        "", std::string("the request body is not valid JSON: ") + e.what(),
        "invalid_json");
  }
  GenerationParams params;
  params.chat = chat;
  try {
    parseBody(parsed, params);
  } catch (const Refusal &r) {
    return r.error;
  } catch (const json::exception &e) {
    return invalidParam("", std::string("bad request body: ") + e.what());
  }
  return params;
}

} // namespace llmc::server
