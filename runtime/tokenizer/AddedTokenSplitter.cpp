// Longest-match search for added tokens (see AddedTokenSplitter.h).
#include "runtime/tokenizer/AddedTokenSplitter.h"

#include "runtime/tokenizer/UnicodeWhitespace.h"

#include <algorithm>

namespace llmc {

AddedTokenSplitter::AddedTokenSplitter(std::vector<HfAddedToken> tokens)
    : tokens_(std::move(tokens)) {
  for (int i = 0; i < static_cast<int>(tokens_.size()); ++i)
    byFirstByte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(
        i);
  for (std::vector<int> &candidates : byFirstByte_)
    std::stable_sort(candidates.begin(), candidates.end(), [&](int a, int b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
}

int AddedTokenSplitter::longestMatch(std::string_view text) const {
  for (int i : byFirstByte_[static_cast<unsigned char>(text[0])]) {
    const std::string &content = tokens_[i].content;
    if (text.compare(0, content.size(), content) == 0)
      return i;
  }
  return -1;
}

std::vector<TextSegment>
AddedTokenSplitter::split(std::string_view text) const {
  std::vector<TextSegment> segments;
  auto emitText = [&](size_t begin, size_t end) {
    if (end > begin)
      segments.push_back({text.substr(begin, end - begin), -1, begin});
  };

  size_t textStart = 0; // start of the plain text not yet emitted
  size_t pos = 0;
  while (pos < text.size()) {
    int match = longestMatch(text.substr(pos));
    if (match < 0) {
      ++pos;
      continue;
    }
    const HfAddedToken &token = tokens_[match];
    size_t textEnd = pos;
    // lstrip/rstrip take Unicode whitespace (Rust's char::is_whitespace in
    // the tokenizers library), not only ASCII.
    if (token.lstrip) {
      size_t length = 0;
      while (textEnd > textStart &&
             unicode::isWhiteSpace(unicode::decodeLast(
                 text.substr(textStart), textEnd - textStart, &length)) &&
             length > 0)
        textEnd -= length;
    }
    emitText(textStart, textEnd);
    segments.push_back({text.substr(pos, token.content.size()), token.id, pos});
    pos += token.content.size();
    if (token.rstrip) {
      size_t length = 0;
      while (pos < text.size() &&
             unicode::isWhiteSpace(
                 unicode::decodeFirst(text.substr(pos), &length)) &&
             length > 0)
        pos += length;
    }
    textStart = pos;
  }
  emitText(textStart, text.size());
  return segments;
}

} // namespace llmc
