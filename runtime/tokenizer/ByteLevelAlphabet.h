// The GPT-2 "byte-level" alphabet used by byte-level BPE vocabularies (GPT-2,
// Llama-3, Qwen): every byte is written as one printable Unicode character so
// that vocabulary entries are readable strings. Bytes that are already
// printable Latin-1 ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for
// themselves; the other 68 bytes map, in increasing order, to U+0100, U+0101,
// ... (so the space 0x20 is written U+0120 'Ġ' and the newline 0x0A is U+010A
// 'Ċ').
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmc::bytelevel {

/// The code point that stands for `byte`.
char32_t charForByte(unsigned char byte);

/// Converts a vocabulary entry written in the alphabet back to raw bytes, or
/// nullopt when it contains a character outside the alphabet (or is not UTF-8).
std::optional<std::string> decode(std::string_view text);

} // namespace llmc::bytelevel
