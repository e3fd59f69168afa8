// Chat prompts: the model's template, or the default format.
#include "runtime/server/ChatPrompt.h"

#include <sys/stat.h>

namespace llmc::server {

StatusOr<ChatPrompt>
ChatPrompt::forModel(const std::string &tokenizerConfigPath,
                     const Tokenizer &tokenizer) {
  ChatPrompt prompt;
  struct stat info;
  if (tokenizerConfigPath.empty() ||
      ::stat(tokenizerConfigPath.c_str(), &info) != 0)
    return prompt;
  LLMC_ASSIGN_OR_RETURN(prompt.template_,
                        chat::loadChatTemplate(tokenizerConfigPath));
  if (tokenizer.bosId() != Tokenizer::kNoToken)
    prompt.bos_ = std::string(tokenizer.tokenText(tokenizer.bosId()));
  if (tokenizer.eosId() != Tokenizer::kNoToken)
    prompt.eos_ = std::string(tokenizer.tokenText(tokenizer.eosId()));
  return prompt;
}

StatusOr<std::string>
ChatPrompt::render(const std::vector<ChatMessage> &messages) const {
  if (template_) {
    std::vector<chat::Message> converted;
    for (const ChatMessage &m : messages)
      converted.push_back({m.role, m.content});
    return template_->render(converted, /*addGenerationPrompt=*/true, bos_,
                             eos_);
  }
  std::string text;
  for (size_t i = 0; i < messages.size(); ++i) {
    // An assistant turn continues the text it answered, exactly as it was
    // generated, so the next turn's prompt starts with the KV blocks of the
    // last one (the prefix cache finds them).
    const bool continues = messages[i].role == "assistant" && i > 0 &&
                           messages[i - 1].role != "assistant";
    if (i > 0 && !continues)
      text += "\n";
    text += messages[i].content;
  }
  return text;
}

} // namespace llmc::server
