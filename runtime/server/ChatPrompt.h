// ChatPrompt: turns a chat conversation into the prompt text the model
// continues.
//
// A model whose tokenizer_config.json has a chat_template gets it rendered
// (runtime/chat) with add_generation_prompt, and the model's BOS and EOS
// texts; the template writes BOS itself, so the text is tokenized without
// adding one. A model without a template (stories15M, llama2.c checkpoints)
// gets the default: the messages' contents joined by newlines, except that an
// assistant message directly continues the message it answers (as it was
// generated), with nothing after the last one; the tokenizer adds BOS as for
// a completion.
#pragma once

#include "runtime/Status.h"
#include "runtime/chat/ChatTemplate.h"
#include "runtime/server/GenerationParams.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc::server {

class ChatPrompt {
public:
  /// The default format described above.
  static ChatPrompt plain() { return ChatPrompt(); }
  /// The chat template of `tokenizerConfigPath` when the file exists and has
  /// one, else the default; fails on a template that does not parse.
  static StatusOr<ChatPrompt> forModel(const std::string &tokenizerConfigPath,
                                       const Tokenizer &tokenizer);

  /// Fails when the template refuses the conversation (raise_exception).
  StatusOr<std::string> render(const std::vector<ChatMessage> &messages) const;
  /// Whether the tokenizer must add BOS to the rendered text.
  bool addBos() const { return !template_; }
  bool hasTemplate() const { return template_.has_value(); }

private:
  std::optional<chat::ChatTemplate> template_;
  std::string bos_, eos_;
};

} // namespace llmc::server
