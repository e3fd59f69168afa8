// EngineFiles: an engine directory opened for the runtime: its manifest parsed
// and validated, and every file it lists checked against its recorded sha256,
// so a truncated or swapped file is refused before anything reaches the GPU.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"

#include <string>
#include <vector>

namespace llmc::gpu {

struct EngineFiles {
  std::string directory;
  Manifest manifest;

  std::string path(const std::string &relative) const {
    return directory + "/" + relative;
  }
};

struct OpenOptions {
  /// Hash every file the manifest lists (weights.bin included).
  bool verifyHashes = true;
};

/// Opens `directory`: reads and validates manifest.json, then checks that every
/// file the manifest hashes exists with that sha256. Messages name the file.
StatusOr<EngineFiles> openEngine(const std::string &directory,
                                 const OpenOptions &options = {});

/// The bytes of an engine file.
StatusOr<std::vector<char>> readEngineFile(const EngineFiles &engine,
                                           const std::string &relative);

} // namespace llmc::gpu
