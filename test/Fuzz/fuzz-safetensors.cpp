// Fuzzes the safetensors reader: any bytes as a whole .safetensors file.
// Every tensor it accepts must lie inside the file, so reading each one as
// fp32 must be safe.
#include "runtime/formats/Safetensors.h"

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto tensors =
      parseSafetensors(ownBytes(std::vector<uint8_t>(data, data + size)), "f");
  if (!tensors.isOk())
    return 0;
  WeightStore store;
  for (WeightTensor &t : *tensors) {
    std::string name = t.name;
    if (store.add(std::move(t)).isOk() &&
        store.find(name)->numElements() <= (1 << 16))
      (void)store.toFloat(name);
  }
  return 0;
}
