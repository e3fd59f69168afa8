// Unicode normalization forms (NFC, NFD, NFKC, NFKD) of tokenizer.json
// normalizers, through ICU's Normalizer2 (Debian's libicu-dev): Qwen2.5 and
// Qwen3 compose their input to NFC before splitting it.
//
// The input may be any bytes: only valid UTF-8 stretches are normalized, and
// invalid bytes are kept where they are (the tokenizers library never sees
// them, since Rust strings are valid UTF-8; ours encodes them byte by byte).
#pragma once

#include "runtime/Status.h"

#include <string>
#include <string_view>

namespace llmc {

enum class UnicodeForm { NFC, NFD, NFKC, NFKD };

/// Normalizes `text` to `form`.
std::string normalizeUnicode(std::string_view text, UnicodeForm form);

/// The Unicode version of ICU's normalization data ("15.0").
std::string icuUnicodeVersion();

} // namespace llmc
