// llmc-chat-render: renders chat-template cases for the differential test
// against @huggingface/jinja.
//
//   llmc-chat-render CASES.json > RESULTS.json
//
// CASES.json: [{"template", "messages": [{"role", "content"}],
//               "add_generation_prompt", "bos_token", "eos_token"}, ...]
// RESULTS.json: one {"ok": true, "text"} or {"ok": false, "error"} per case.
#include "runtime/chat/ChatTemplate.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: llmc-chat-render CASES.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  nlohmann::json cases = nlohmann::json::parse(in, nullptr, false);
  if (cases.is_discarded() || !cases.is_array()) {
    std::cerr << "llmc-chat-render: " << argv[1] << " is not a JSON array\n";
    return 1;
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto &c : cases) {
    std::vector<llmc::chat::Message> messages;
    for (const auto &m : c.at("messages"))
      messages.push_back({m.at("role").get<std::string>(),
                          m.at("content").get<std::string>()});
    auto parsed =
        llmc::chat::ChatTemplate::parse(c.at("template").get<std::string>());
    if (!parsed.isOk()) {
      results.push_back({{"ok", false}, {"error", parsed.status().message()}});
      continue;
    }
    auto text =
        parsed->render(messages, c.at("add_generation_prompt").get<bool>(),
                       c.at("bos_token").get<std::string>(),
                       c.at("eos_token").get<std::string>());
    if (text.isOk())
      results.push_back({{"ok", true}, {"text", *text}});
    else
      results.push_back({{"ok", false}, {"error", text.status().message()}});
  }
  std::cout << results.dump() << "\n";
  return 0;
}
