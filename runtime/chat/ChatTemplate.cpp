// ChatTemplate: lexer -> parser -> evaluator, and the tokenizer_config.json
// reader.
#include "runtime/chat/ChatTemplate.h"

#include "runtime/chat/JinjaEvaluator.h"
#include "runtime/chat/JinjaLexer.h"
#include "runtime/chat/JinjaParser.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace llmc::chat {

StatusOr<ChatTemplate> ChatTemplate::parse(const std::string &jinjaSource) {
  StatusOr<std::vector<Token>> tokens = tokenize(jinjaSource);
  if (!tokens.isOk())
    return tokens.status().withContext("chat template");
  StatusOr<Block> program = parseTemplate(*tokens);
  if (!program.isOk())
    return program.status().withContext("chat template");
  return ChatTemplate(
      std::make_shared<const Block>(std::move(program).value()));
}

StatusOr<std::string> ChatTemplate::render(const std::vector<Message> &messages,
                                           bool addGenerationPrompt,
                                           const std::string &bosToken,
                                           const std::string &eosToken) const {
  List conversation;
  for (const Message &m : messages)
    conversation.push_back(
        Value::dict({{"role", Value::string(m.role)},
                     {"content", Value::string(m.content)}}));
  Dict globals = {
      {"messages", Value::list(std::move(conversation))},
      {"add_generation_prompt", Value::boolean(addGenerationPrompt)},
      {"bos_token", Value::string(bosToken)},
      {"eos_token", Value::string(eosToken)}};
  StatusOr<std::string> text = evaluateTemplate(*program_, globals);
  if (!text.isOk())
    return text.status().withContext("chat template");
  return text;
}

StatusOr<std::optional<ChatTemplate>>
loadChatTemplate(const std::string &tokenizerConfigPath) {
  std::ifstream in(tokenizerConfigPath, std::ios::binary);
  if (!in)
    return Status::error(tokenizerConfigPath + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json config = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (config.is_discarded() || !config.is_object())
    return Status::error(tokenizerConfigPath + ": not a JSON object");
  auto found = config.find("chat_template");
  if (found == config.end() || found->is_null())
    return std::optional<ChatTemplate>();
  std::string source;
  if (found->is_string()) {
    source = found->get<std::string>();
  } else if (found->is_array()) {
    bool haveDefault = false;
    for (const auto &entry : *found) {
      if (!entry.is_object() || !entry.contains("name") ||
          !entry["name"].is_string() || !entry.contains("template") ||
          !entry["template"].is_string())
        return Status::error(
            tokenizerConfigPath +
            ": chat_template: every list entry needs string 'name' and "
            "'template' fields");
      if (entry["name"] == "default") {
        source = entry["template"].get<std::string>();
        haveDefault = true;
      }
    }
    if (!haveDefault)
      return Status::error(
          tokenizerConfigPath +
          ": chat_template: the list has no template named \"default\"");
  } else {
    return Status::error(
        tokenizerConfigPath +
        ": chat_template must be a string or a list of {name, template}");
  }
  StatusOr<ChatTemplate> parsed = ChatTemplate::parse(source);
  if (!parsed.isOk())
    return parsed.status().withContext(tokenizerConfigPath);
  return std::optional<ChatTemplate>(std::move(parsed).value());
}

} // namespace llmc::chat
