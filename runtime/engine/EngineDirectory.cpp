// The manifest digest's format and the checked opening of engine paths.
#include "runtime/engine/EngineDirectory.h"

#include "runtime/files/JsonDepth.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include <sys/stat.h>

namespace llmc {

std::string manifestDigestText(const std::string &hexDigest) {
  return hexDigest + "  " + kManifestFileName + "\n";
}

Status checkManifestDigest(std::string_view digestText,
                           const std::string &actualHexDigest,
                           const std::string &directory) {
  const std::string where = directory + "/" + kManifestDigestFileName;
  if (digestText.size() < 64 ||
      digestText.substr(0, 64).find_first_not_of("0123456789abcdef") !=
          std::string_view::npos)
    return Status::error(where + " does not start with a lower-case hex "
                                 "sha256");
  if (digestText.substr(0, 64) != actualHexDigest)
    return Status::error(
        directory + "/" + kManifestFileName + " does not match its sha256 in " +
        kManifestDigestFileName + " (the engine is corrupt or was modified)");
  return Status::ok();
}

StatusOr<Manifest> parseManifestText(std::string_view text,
                                     const std::string &source) {
  LLMC_RETURN_IF_ERROR(checkJsonDepth(text, source));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded())
    return Status::error(source + " is not valid JSON");
  return manifestFromJson(json, source);
}

StatusOr<uint64_t> engineFileSize(const std::string &directory,
                                  const std::string &relative,
                                  const std::string &field) {
  LLMC_RETURN_IF_ERROR(checkEngineRelativePath(relative, field));
  // lstat every component: a symlink anywhere could lead out of the engine.
  std::string path = directory;
  size_t start = 0;
  while (true) {
    size_t end = relative.find('/', start);
    const bool last = end == std::string::npos;
    path +=
        "/" + relative.substr(start, last ? std::string::npos : end - start);
    struct stat info;
    if (::lstat(path.c_str(), &info) != 0)
      return Status::error(path + " (" + field +
                           "): cannot open: " + std::strerror(errno));
    if (S_ISLNK(info.st_mode))
      return Status::error(path + " (" + field +
                           ") is a symlink; engine files are regular files");
    if (last) {
      if (!S_ISREG(info.st_mode))
        return Status::error(path + " (" + field + ") is not a regular file");
      return uint64_t(info.st_size);
    }
    if (!S_ISDIR(info.st_mode))
      return Status::error(path + " (" + field + ") is not a directory");
    start = end + 1;
  }
}

Status checkEngineFiles(const std::string &directory,
                        const Manifest &manifest) {
  for (const auto &entry : manifest.fileHashes)
    LLMC_RETURN_IF_ERROR(engineFileSize(directory, entry.first,
                                        "file_hashes['" + entry.first + "']")
                             .status());
  if (manifest.weightsFile.empty())
    return Status::ok();
  LLMC_ASSIGN_OR_RETURN(
      uint64_t bytes,
      engineFileSize(directory, manifest.weightsFile, "weights_file"));
  if (bytes != manifest.weights.totalBytes)
    return Status::error(directory + "/" + manifest.weightsFile + " is " +
                         std::to_string(bytes) +
                         " bytes, but weights.total_bytes says " +
                         std::to_string(manifest.weights.totalBytes));
  return Status::ok();
}

} // namespace llmc
