// ChatPrompt: turns a chat conversation into the prompt text the model
// continues. Models whose tokenizer_config.json has no chat_template
// (stories15M, llama2.c checkpoints) use the default: the messages' contents,
// whatever their role, joined by newlines, with nothing after the last one;
// the tokenizer then adds BOS as for a completion.
// TODO(#13): render the model's chat_template (runtime/chat) when it has one.
#pragma once

#include "runtime/server/GenerationParams.h"

#include <string>
#include <vector>

namespace llmc::server {

class ChatPrompt {
public:
  /// The default format described above.
  static ChatPrompt plain() { return ChatPrompt(); }

  std::string render(const std::vector<ChatMessage> &messages) const;
  /// Whether the tokenizer must add BOS to the rendered text (a template
  /// writes its own).
  bool addBos() const { return true; }
};

} // namespace llmc::server
