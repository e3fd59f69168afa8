// llmc-tokenize: encodes and decodes texts for the tokenizer differential test
// against transformers.js.
//
//   llmc-tokenize TOKENIZER.json TEXTS.json > RESULTS.json
//
// TEXTS.json is an array of strings. RESULTS.json holds, per text, the ids
// without and with the special tokens (encode's addBos), the text decode()
// gives back from the former, and that text with the special tokens written
// out; and the seconds spent encoding all texts without special tokens, best
// of three runs.
#include "runtime/tokenizer/Tokenizer.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace {

/// Decodes `ids` with each special token written as its content, as
/// transformers.js decode(ids, {skip_special_tokens: false}) does: only the
/// very first token starts the text, special or not.
std::string decodeWithSpecials(const llmc::Tokenizer &tok,
                               const std::vector<int32_t> &ids) {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (tok.isSpecial(ids[i])) {
      text += tok.tokenText(ids[i]);
      continue;
    }
    // Any token that is not special says "not at the start"; the id itself
    // will do.
    text +=
        tok.decodeToken(i == 0 ? llmc::Tokenizer::kNoToken : ids[i], ids[i]);
  }
  return text;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: llmc-tokenize TOKENIZER.json TEXTS.json\n";
    return 2;
  }
  auto tok = llmc::loadTokenizer(argv[1]);
  if (!tok.isOk()) {
    std::cerr << "llmc-tokenize: " << tok.status().message() << "\n";
    return 1;
  }
  std::ifstream in(argv[2]);
  nlohmann::json texts = nlohmann::json::parse(in, nullptr, false);
  if (texts.is_discarded() || !texts.is_array()) {
    std::cerr << "llmc-tokenize: " << argv[2]
              << " is not a JSON array of strings\n";
    return 1;
  }
  std::vector<std::string> inputs;
  for (const auto &t : texts)
    inputs.push_back(t.get<std::string>());

  double best = 1e30;
  std::vector<std::vector<int32_t>> plain(inputs.size());
  for (int run = 0; run < 3; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < inputs.size(); ++i)
      plain[i] = (*tok)->encode(inputs[i], false);
    std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }

  nlohmann::json ids = nlohmann::json::array(),
                 withSpecial = nlohmann::json::array(),
                 decoded = nlohmann::json::array(),
                 decodedWithSpecials = nlohmann::json::array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    ids.push_back(plain[i]);
    withSpecial.push_back((*tok)->encode(inputs[i], true));
    // Invalid UTF-8 (which a correct round trip of valid input never
    // produces) is written as U+FFFD by the dump below, and so compares
    // unequal.
    decoded.push_back((*tok)->decode(plain[i]));
    decodedWithSpecials.push_back(decodeWithSpecials(**tok, plain[i]));
  }
  nlohmann::json out = {{"ids", ids},
                        {"ids_with_special", withSpecial},
                        {"decoded", decoded},
                        {"decoded_with_specials", decodedWithSpecials},
                        {"encode_seconds", best}};
  std::cout << out.dump(-1, ' ', false,
                        nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}
