// PCRE2-backed pre-tokenizer splitting (see RegexSplitter.h).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "runtime/tokenizer/RegexSplitter.h"

#include "runtime/tokenizer/UnicodeWhitespace.h"
#include "runtime/tokenizer/Utf8.h"

#include <pcre2.h>

namespace llmc {

namespace {

/// Rewrites \s and \S as explicit classes of Unicode White_Space (see
/// UnicodeWhitespace.h): inside a character class \s becomes the ranges
/// themselves; \S inside a class cannot be written that way and is refused.
StatusOr<std::string> pinWhitespaceEscapes(const std::string &pattern) {
  const std::string &body = unicode::whiteSpaceClassBody();
  std::string out;
  bool inClass = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      char e = pattern[++i];
      if (e == 's')
        out += inClass ? body : "[" + body + "]";
      else if (e == 'S' && !inClass)
        out += "[^" + body + "]";
      else if (e == 'S')
        return Status::error(
            "split regex '" + pattern +
            "': \\S inside a character class is not supported");
      else
        out += std::string{c, e};
      continue;
    }
    if (c == '[' && !inClass) {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal, not the end.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^')
        out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']')
        out += pattern[++i];
      continue;
    }
    if (c == ']' && inClass)
      inClass = false;
    out += c;
  }
  return out;
}

} // namespace

struct RegexSplitter::Code {
  pcre2_code *code = nullptr;
};

void RegexSplitter::CodeDeleter::operator()(Code *code) const {
  pcre2_code_free(code->code);
  delete code;
}

StatusOr<RegexSplitter> RegexSplitter::compile(const std::string &hfPattern) {
  LLMC_ASSIGN_OR_RETURN(std::string pattern, pinWhitespaceEscapes(hfPattern));
  int errorCode = 0;
  PCRE2_SIZE errorOffset = 0;
  // UCP makes \s, \w and \d Unicode-aware, as they are in Oniguruma.
  // MATCH_INVALID_UTF lets arbitrary bytes be split instead of rejected.
  pcre2_code *code = pcre2_compile(
      reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode, &errorOffset,
      nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(errorCode, message, sizeof(message));
    return Status::error("cannot compile split regex '" + hfPattern +
                         "' at offset " + std::to_string(errorOffset) + ": " +
                         reinterpret_cast<const char *>(message));
  }
  // The JIT is an optimisation only: without it matching is slower, not wrong.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto holder = std::shared_ptr<Code>(new Code{code}, CodeDeleter());
  return RegexSplitter(std::move(holder));
}

void RegexSplitter::split(std::string_view text,
                          std::vector<std::string> &pieces) const {
  auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data *)> match(
      pcre2_match_data_create_from_pattern(code_->code, nullptr),
      pcre2_match_data_free);
  auto emit = [&](size_t begin, size_t end) {
    if (end > begin)
      pieces.emplace_back(text.substr(begin, end - begin));
  };

  size_t emitted = 0; // end of the last piece handed out
  size_t searchFrom = 0;
  while (match && searchFrom < text.size()) {
    int rc = pcre2_match(code_->code, subject, text.size(), searchFrom, 0,
                         match.get(), nullptr);
    // No further match, or a resource limit hit: the rest is one gap.
    if (rc < 0)
      break;
    PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match.get());
    size_t begin = ovector[0], end = ovector[1];
    if (end == begin) {
      // An empty match separates nothing; step over one character so the
      // search makes progress.
      if (begin >= text.size())
        break;
      utf8::Sequence seq = utf8::inspect(text.substr(begin));
      searchFrom = begin + seq.length;
      continue;
    }
    emit(emitted, begin);
    emit(begin, end);
    emitted = searchFrom = end;
  }
  emit(emitted, text.size());
}

std::string RegexSplitter::unicodeVersion() {
  char version[64] = {};
  pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version);
  return version;
}

} // namespace llmc
