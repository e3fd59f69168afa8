// Writing an engine directory atomically.
#include "compiler/Driver/StagedDirectory.h"

#include "compiler/Nvrtc/Sha256.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <sys/stat.h>

namespace llmc {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

/// SHA-256 of a file, read in 1 MiB pieces (weights.bin may be large).
StatusOr<std::string> hashFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot read " + path);
  nvrtc::Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    hash.update(buffer.data(), size_t(in.gcount()));
  }
  if (in.bad())
    return Status::error("error reading " + path);
  return nvrtc::Sha256::hex(hash.digest());
}

/// A name beside `path` no other process uses: ".<name>.<what>-XXXXXX".
StatusOr<std::string> makeSiblingDirectory(const fs::path &path,
                                           const std::string &what) {
  fs::path parent =
      path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string pattern =
      (parent / ("." + path.filename().string() + "." + what + "-XXXXXX"))
          .string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (!mkdtemp(name.data()))
    return Status::error("cannot create a directory in " + parent.string() +
                         ": " + errnoText());
  // mkdtemp makes it private (0700); an engine gets the usual permissions.
  mode_t mask = umask(0);
  umask(mask);
  chmod(name.data(), 0777 & ~mask);
  return std::string(name.data());
}

} // namespace

StatusOr<std::unique_ptr<StagedDirectory>>
StagedDirectory::create(const std::string &finalPath) {
  fs::path target(finalPath);
  if (target.filename().empty())
    target = target.parent_path(); // "out.llmc/" names out.llmc
  std::error_code error;
  fs::file_status status = fs::status(target, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      return Status::error(finalPath + " exists and is not a directory");
    if (!fs::exists(target / "manifest.json"))
      return Status::error(finalPath +
                           " exists and is not an engine directory (no "
                           "manifest.json); refusing to replace it");
  }
  LLMC_ASSIGN_OR_RETURN(std::string staging,
                        makeSiblingDirectory(target, "tmp"));
  return std::unique_ptr<StagedDirectory>(
      new StagedDirectory(target.string(), staging));
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

std::string StagedDirectory::pathOf(const std::string &relative) const {
  return (fs::path(path_) / relative).string();
}

Status StagedDirectory::writeFile(const std::string &relative,
                                  const std::string &bytes) {
  fs::path path = pathOf(relative);
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error)
    return Status::error("cannot create " + path.parent_path().string() + ": " +
                         error.message());
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out.flush())
      return Status::error("cannot write " + path.string());
  }
  hashes_[relative] =
      nvrtc::Sha256::hex(nvrtc::Sha256::of(std::string_view(bytes)));
  return Status::ok();
}

Status StagedDirectory::copyFile(const std::string &relative,
                                 const std::string &source) {
  fs::path path = pathOf(relative);
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (!error)
    fs::copy_file(source, path, fs::copy_options::overwrite_existing, error);
  if (error)
    return Status::error("cannot copy " + source +
                         " into the engine: " + error.message());
  return adoptFile(relative);
}

Status StagedDirectory::adoptFile(const std::string &relative) {
  LLMC_ASSIGN_OR_RETURN(hashes_[relative], hashFile(pathOf(relative)));
  return Status::ok();
}

Status StagedDirectory::commit() {
  fs::path target(finalPath_);
  std::error_code error;
  if (!fs::exists(target, error)) {
    fs::rename(path_, target, error);
    if (error)
      return Status::error("cannot move the engine to " + finalPath_ + ": " +
                           error.message());
    committed_ = true;
    return Status::ok();
  }
  // rename() cannot replace a non-empty directory: move the old engine
  // aside, move the new one in, then delete the old one.
  LLMC_ASSIGN_OR_RETURN(std::string aside, makeSiblingDirectory(target, "old"));
  fs::remove(aside, error);
  fs::rename(target, aside, error);
  if (error)
    return Status::error("cannot replace " + finalPath_ + ": " +
                         error.message());
  fs::rename(path_, target, error);
  if (error) {
    std::error_code ignored;
    fs::rename(aside, target, ignored); // put the old engine back
    return Status::error("cannot move the engine to " + finalPath_ + ": " +
                         error.message());
  }
  committed_ = true;
  fs::remove_all(aside, error);
  return Status::ok();
}

} // namespace llmc
