#include "runtime/gpu/EngineFiles.h"

#include "runtime/engine/EngineDirectory.h"
#include "runtime/files/RegularFile.h"
#include "runtime/support/Sha256.h"

#include <fstream>
#include <sys/stat.h>

namespace llmc::gpu {

namespace {

/// sha256 of a file, read in 8 MiB pieces.
StatusOr<std::string> hashFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot open " + path);
  Sha256 hash;
  std::vector<char> buffer(8 << 20);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    hash.update(buffer.data(), std::size_t(in.gcount()));
  }
  if (in.bad())
    return Status::error("cannot read " + path);
  return Sha256::hex(hash.digest());
}

} // namespace

StatusOr<EngineFiles> openEngine(const std::string &directory,
                                 const OpenOptions &options) {
  struct stat info;
  if (::stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    return Status::error(directory + " is not an engine directory");
  EngineFiles engine;
  engine.directory = directory;
  const std::string manifestPath = engine.path(kManifestFileName);
  if (::stat(manifestPath.c_str(), &info) != 0)
    return Status::error(directory + " has no manifest.json: not an engine");
  LLMC_ASSIGN_OR_RETURN(std::string text, readRegularFile(manifestPath));
  // The manifest's own digest first: every other check trusts its fields.
  StatusOr<std::string> digest =
      readRegularFile(engine.path(kManifestDigestFileName), 4096);
  if (!digest.isOk())
    return Status::error(directory + " has no readable " +
                         kManifestDigestFileName +
                         " (written by an older llm-compile? compile the "
                         "engine again): " +
                         digest.status().message());
  LLMC_RETURN_IF_ERROR(
      checkManifestDigest(*digest, Sha256::hex(Sha256::of(text)), directory));
  LLMC_ASSIGN_OR_RETURN(engine.manifest, parseManifestText(text, manifestPath));
  LLMC_RETURN_IF_ERROR(checkEngineFiles(directory, engine.manifest));
  if (options.verifyHashes) {
    for (const auto &[relative, expected] : engine.manifest.fileHashes) {
      LLMC_ASSIGN_OR_RETURN(std::string actual,
                            hashFile(engine.path(relative)));
      if (actual != expected)
        return Status::error(engine.path(relative) +
                             " does not match its sha256 in the manifest "
                             "(the engine is corrupt or was modified)");
    }
  }
  return engine;
}

StatusOr<std::vector<char>> readEngineFile(const EngineFiles &engine,
                                           const std::string &relative) {
  const std::string path = engine.path(relative);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return Status::error("cannot open " + path);
  std::vector<char> bytes(std::size_t(in.tellg()));
  in.seekg(0);
  if (!in.read(bytes.data(), std::streamsize(bytes.size())))
    return Status::error("cannot read " + path);
  return bytes;
}

} // namespace llmc::gpu
