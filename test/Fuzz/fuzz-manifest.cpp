// Fuzzes the engine manifest reader: any bytes as manifest.json's text. A
// manifest it accepts has passed validateManifest, so the lookups the
// runtime makes from it must be safe.
#include "runtime/engine/EngineDirectory.h"
#include "runtime/engine/LaunchDims.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace llmc;
  auto manifest = parseManifestText(
      std::string_view(reinterpret_cast<const char *>(data), size), "m.json");
  if (!manifest.isOk())
    return 0;
  (void)manifest->kvCache.blockBytes();
  // The sizes of the largest run validation allows.
  for (const Phase &phase : manifest->phases) {
    (void)manifest->findModule(phase.module);
    const LaunchSizes largest{phase.maxRows, manifest->options.maxSlots,
                              manifest->options.maxPrefillTokens};
    for (const KernelLaunch &launch : phase.launches)
      for (const std::string &dim : launch.grid) {
        auto parsed = parseLaunchDim(dim);
        if (parsed.isOk())
          (void)parsed->evaluate(largest);
      }
  }
  return 0;
}
