// Chat templates: the Jinja program in a model's tokenizer_config.json that
// turns a conversation into the prompt text the model was trained on.
//
// The renderer implements the subset of Jinja that the chat templates of
// Llama 2/3, Mistral and Qwen 2.5/3 use (README.md lists it) and renders
// byte for byte what @huggingface/jinja renders, which a differential test
// checks on real templates.
#pragma once

#include "runtime/Status.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llmc::chat {

struct Message {
  std::string role, content;
};

struct Stmt;

class ChatTemplate {
public:
  /// Parses a template; a syntax error names its line.
  static StatusOr<ChatTemplate> parse(const std::string &jinjaSource);

  /// Renders `messages` with the variables every chat template expects:
  /// messages, add_generation_prompt, bos_token, eos_token. An error (a
  /// raise_exception in the template, a type error) names the line. The
  /// parsed template is immutable: several threads may render at once.
  StatusOr<std::string> render(const std::vector<Message> &messages,
                               bool addGenerationPrompt,
                               const std::string &bosToken,
                               const std::string &eosToken) const;

private:
  using Program = std::vector<std::unique_ptr<Stmt>>;
  explicit ChatTemplate(std::shared_ptr<const Program> program)
      : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

/// Reads `chat_template` from a tokenizer_config.json: a string, or a list
/// of {name, template} entries of which the one named "default" is taken.
/// Returns nullopt when the file has no chat template.
StatusOr<std::optional<ChatTemplate>>
loadChatTemplate(const std::string &tokenizerConfigPath);

} // namespace llmc::chat
