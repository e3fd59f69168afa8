// Fuzzes the tokenizer.json reader: any bytes as the file's text. A
// tokenizer it accepts then encodes and decodes a few texts (ASCII, UTF-8,
// a cut character, an added token's spelling), which must not crash.
#include "runtime/tokenizer/HfTokenizer.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto tokenizer = HfTokenizer::fromJson(
      std::string_view(reinterpret_cast<const char *>(data), size), "f.json");
  if (!tokenizer.isOk())
    return 0;
  for (const char *text : {"", "Hello world", "  a\tb\n", "\xc3\xa9t\xc3\xa9",
                           "\xe2\x82", "<s></s><unk>"}) {
    std::vector<int32_t> ids = (*tokenizer)->encode(text, /*addBos=*/true);
    (void)(*tokenizer)->decode(ids);
  }
  return 0;
}
