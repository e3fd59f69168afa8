// Fuzzes the Hugging Face config.json reader: any bytes as the file's text.
// A config it accepts must pass ModelConfig::validate, so its derived sizes
// (parameter count, dims) must be computable without overflow.
#include "runtime/files/JsonFile.h"
#include "runtime/formats/HfConfig.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto json =
      parseJson(std::string(reinterpret_cast<const char *>(data), size), "f");
  if (!json.isOk())
    return 0;
  auto config = parseHfConfigJson(*json, "dir/config.json");
  if (config.isOk()) {
    (void)config->parameterCount();
    (void)config->qDim();
    (void)config->kvDim();
  }
  return 0;
}
