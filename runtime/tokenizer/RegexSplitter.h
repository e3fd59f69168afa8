// Splits text on a Hugging Face pre-tokenizer regex with PCRE2.
//
// tokenizer.json Split pre-tokenizers carry Oniguruma-flavoured patterns such
// as Llama-3's
// "(?i:'s|'t|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|...|\s+(?!\S)|\s+", which
// need Unicode properties and lookahead; PCRE2 in UTF + UCP mode reads them
// with the same meaning. The pattern is compiled (and JIT-compiled when
// available) once; splitting is then thread-safe.
#pragma once

#include "runtime/Status.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

/// A compiled split pattern.
class RegexSplitter {
public:
  /// Compiles `pattern`; the error names the pattern and the position.
  static StatusOr<RegexSplitter> compile(const std::string &pattern);

  /// Appends to `pieces` the matches of the pattern in `text` and the unmatched
  /// gaps between them, in order, skipping empty ones (Hugging Face's
  /// "Isolated" split behaviour). Invalid UTF-8 in `text` never matches and so
  /// ends up in the gaps, byte for byte intact.
  void split(std::string_view text, std::vector<std::string> &pieces) const;

private:
  struct Code;
  struct CodeDeleter {
    void operator()(Code *code) const;
  };
  explicit RegexSplitter(std::shared_ptr<Code> code) : code_(std::move(code)) {}

  /// Shared so that splitters copy cheaply; the compiled code is immutable.
  std::shared_ptr<Code> code_;
};

} // namespace llmc
