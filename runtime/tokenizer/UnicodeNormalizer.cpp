// Unicode normalization through ICU (see UnicodeNormalizer.h).
#include "runtime/tokenizer/UnicodeNormalizer.h"

#include "runtime/tokenizer/Utf8.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <cstdlib>

namespace llmc {

namespace {

const icu::Normalizer2 &instance(UnicodeForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2 *n = nullptr;
  switch (form) {
  case UnicodeForm::NFC:
    n = icu::Normalizer2::getNFCInstance(status);
    break;
  case UnicodeForm::NFD:
    n = icu::Normalizer2::getNFDInstance(status);
    break;
  case UnicodeForm::NFKC:
    n = icu::Normalizer2::getNFKCInstance(status);
    break;
  case UnicodeForm::NFKD:
    n = icu::Normalizer2::getNFKDInstance(status);
    break;
  }
  // The instances are built into libicuuc's data; failing to get one means
  // a broken ICU installation, not bad input.
  if (U_FAILURE(status) || !n)
    std::abort();
  return *n;
}

/// Appends the normalized form of a valid UTF-8 stretch.
void normalizeValid(const icu::Normalizer2 &n, std::string_view run,
                    std::string &out) {
  UErrorCode status = U_ZERO_ERROR;
  icu::StringPiece piece(run.data(), static_cast<int32_t>(run.size()));
  if (n.isNormalizedUTF8(piece, status) && U_SUCCESS(status)) {
    out.append(run);
    return;
  }
  status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out);
  n.normalizeUTF8(0, piece, sink, nullptr, status);
}

} // namespace

std::string normalizeUnicode(std::string_view text, UnicodeForm form) {
  const icu::Normalizer2 &n = instance(form);
  std::string out;
  out.reserve(text.size());
  size_t runStart = 0, pos = 0;
  while (pos < text.size()) {
    utf8::Sequence seq = utf8::inspect(text.substr(pos));
    if (seq.kind == utf8::SequenceKind::Complete) {
      pos += seq.length;
      continue;
    }
    normalizeValid(n, text.substr(runStart, pos - runStart), out);
    out.append(text.substr(pos, seq.length)); // invalid bytes stay as they are
    pos += seq.length;
    runStart = pos;
  }
  normalizeValid(n, text.substr(runStart), out);
  return out;
}

std::string icuUnicodeVersion() {
  UVersionInfo version;
  u_getUnicodeVersion(version);
  char text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(version, text);
  return text;
}

} // namespace llmc
