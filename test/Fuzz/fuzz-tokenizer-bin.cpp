// Fuzzes the llama2.c tokenizer.bin reader: any bytes as the file. A
// tokenizer it accepts then encodes and decodes a few texts.
#include "runtime/tokenizer/Llama2cTokenizer.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto tokenizer = Llama2cTokenizer::parse(
      std::string_view(reinterpret_cast<const char *>(data), size), "f.bin");
  if (!tokenizer.isOk())
    return 0;
  for (const char *text :
       {"", "Once upon a time", " x  y ", "\xe2\x82\xac!", "\xff"}) {
    std::vector<int32_t> ids = (*tokenizer)->encode(text, /*addBos=*/true);
    (void)(*tokenizer)->decode(ids);
  }
  return 0;
}
