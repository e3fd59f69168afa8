// The default chat format.
#include "runtime/server/ChatPrompt.h"

namespace llmc::server {

std::string ChatPrompt::render(const std::vector<ChatMessage> &messages) const {
  std::string text;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0)
      text += "\n";
    text += messages[i].content;
  }
  return text;
}

} // namespace llmc::server
