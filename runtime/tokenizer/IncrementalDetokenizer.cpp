// Streaming UTF-8-safe detokenization (see IncrementalDetokenizer.h).
#include "runtime/tokenizer/IncrementalDetokenizer.h"

#include "runtime/tokenizer/Utf8.h"

namespace llmc {

std::string IncrementalDetokenizer::push(int32_t id) {
  pending_.append(tokenizer_.decodeToken(prevId_, id));
  if (!tokenizer_.isSpecial(id))
    prevId_ = id;

  std::string ready;
  std::string_view rest = pending_;
  while (!rest.empty()) {
    utf8::Sequence seq = utf8::inspect(rest);
    if (seq.kind == utf8::SequenceKind::Incomplete)
      break; // the next token may finish it
    if (seq.kind == utf8::SequenceKind::Complete)
      ready.append(rest.substr(0, seq.length));
    else
      ready.append(utf8::kReplacement);
    rest.remove_prefix(seq.length);
  }
  pending_.erase(0, pending_.size() - rest.size());
  return ready;
}

std::string IncrementalDetokenizer::flush() {
  // What is held back is always the start of a single character.
  std::string tail = pending_.empty() ? "" : std::string(utf8::kReplacement);
  pending_.clear();
  return tail;
}

} // namespace llmc
