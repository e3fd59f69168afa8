// Fuzzes the llama2.c checkpoint reader: any bytes as a whole checkpoint.
// Only the 28-byte header is interpreted; the rest must match its size.
#include "runtime/formats/Llama2cCheckpoint.h"

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto checkpoint = parseLlama2cCheckpoint(
      ownBytes(std::vector<uint8_t>(data, data + size)), "f.bin");
  if (checkpoint.isOk())
    for (const std::string &name : checkpoint->weights.names())
      (void)checkpoint->weights.toFloat(name);
  return 0;
}
