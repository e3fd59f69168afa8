// Splits text on a Hugging Face pre-tokenizer regex with PCRE2.
//
// tokenizer.json Split pre-tokenizers carry Oniguruma-flavoured patterns such
// as Llama-3's
// "(?i:'s|'t|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|...|\s+(?!\S)|\s+", which
// need Unicode properties and lookahead; PCRE2 in UTF + UCP mode reads them
// with the same meaning, except that \s and \S are rewritten to Unicode's
// White_Space set (PCRE2's \s also takes U+180E; see UnicodeWhitespace.h).
// The pattern is compiled (and JIT-compiled when available) once; splitting
// is then thread-safe.
//
// The Unicode properties (\p{L}, \p{N}, case folding) come from the system's
// PCRE2: PCRE2 10.42 (Debian 12) knows Unicode 14.0, so a character assigned
// later (e.g. U+31350, CJK Extension H, Unicode 15.0) is unassigned to it and
// never matches \p{L}, where tokenizers built on newer tables (V8 in
// transformers.js: Unicode 15.1) see a letter. unicodeVersion() reports the
// version; a unit test pins it so that a change of system library is noticed.
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

  /// The Unicode version of PCRE2's property tables ("14.0.0").
  static std::string unicodeVersion();

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
