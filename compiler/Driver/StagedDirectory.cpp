// Writing an engine directory atomically.
#include "compiler/Driver/StagedDirectory.h"

#include "compiler/Driver/StagingCleanup.h"
#include "runtime/engine/EngineDirectory.h"
#include "runtime/files/RegularFile.h"
#include "runtime/support/Sha256.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc {

namespace fs = std::filesystem;

namespace {

std::string errnoText() { return std::strerror(errno); }

/// SHA-256 of a file, read in 1 MiB pieces (weights.bin may be large).
StatusOr<std::string> hashFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot read " + path);
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    hash.update(buffer.data(), size_t(in.gcount()));
  }
  if (in.bad())
    return Status::error("error reading " + path);
  return Sha256::hex(hash.digest());
}

/// ".<name>.<what>-" : the prefix of the sibling directories of `path`.
std::string siblingPrefix(const fs::path &path, const std::string &what) {
  return "." + path.filename().string() + "." + what + "-";
}

fs::path parentOf(const fs::path &path) {
  return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

/// A name beside `path` no other process uses: ".<name>.<what>-<pid>-XXXXXX".
/// The pid lets a later compile tell a dead process's leftovers from a live
/// one's.
StatusOr<std::string> makeSiblingDirectory(const fs::path &path,
                                           const std::string &what) {
  fs::path parent = parentOf(path);
  std::string pattern = (parent / (siblingPrefix(path, what) +
                                   std::to_string(::getpid()) + "-XXXXXX"))
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

/// The pid in "<pid>-XXXXXX", or 0 when the name has none (an older
/// compiler's staging directory: its owner cannot be known, so it stays).
pid_t pidOf(const std::string &rest) {
  size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || dash > 9)
    return 0;
  for (size_t i = 0; i < dash; ++i)
    if (!std::isdigit(static_cast<unsigned char>(rest[i])))
      return 0;
  return pid_t(std::stol(rest.substr(0, dash)));
}

bool processIsGone(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

const char *replaceHint() {
  return "; refusing to replace it (pass --force to replace it anyway)";
}

} // namespace

Status checkReplaceableEngine(const std::string &directory) {
  const fs::path dir(directory);
  const std::string manifestPath = (dir / kManifestFileName).string();
  StatusOr<std::string> text = readRegularFile(manifestPath);
  if (!text.isOk())
    return Status::error(directory +
                         " exists and is not an engine directory (" +
                         text.status().message() + ")" + replaceHint());
  nlohmann::json manifest = nlohmann::json::parse(*text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() ||
      !manifest.contains("format_version") ||
      !manifest["file_hashes"].is_object())
    return Status::error(directory +
                         " exists and is not an engine directory (its "
                         "manifest.json is not an llmc engine manifest)" +
                         replaceHint());
  // Everything in it must be the engine's own: a user's file beside a
  // manifest.json is never deleted.
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    if (it->is_directory(error))
      continue;
    const std::string relative =
        it->path().lexically_relative(dir).generic_string();
    if (relative != kManifestFileName && relative != kManifestDigestFileName &&
        !manifest["file_hashes"].contains(relative))
      return Status::error(directory + " holds " + relative +
                           ", which its engine manifest does not list" +
                           replaceHint());
  }
  if (error)
    return Status::error("cannot list " + directory + ": " + error.message());
  return Status::ok();
}

void sweepStaleStaging(const std::string &finalPath) {
  const fs::path target(finalPath);
  const std::string tmp = siblingPrefix(target, "tmp");
  const std::string old = siblingPrefix(target, "old");
  std::error_code error;
  for (const fs::directory_entry &entry :
       fs::directory_iterator(parentOf(target), error)) {
    const std::string name = entry.path().filename().string();
    const bool isTmp = name.rfind(tmp, 0) == 0;
    const bool isOld = name.rfind(old, 0) == 0;
    if (!isTmp && !isOld)
      continue;
    if (!processIsGone(pidOf(name.substr((isTmp ? tmp : old).size()))))
      continue;
    std::error_code ignored;
    if (isOld && !fs::exists(target, ignored)) {
      // Killed between moving the old engine aside and the new one in.
      fs::rename(entry.path(), target, ignored);
      if (!ignored)
        continue;
    }
    fs::remove_all(entry.path(), ignored);
  }
}

StatusOr<std::unique_ptr<StagedDirectory>>
StagedDirectory::create(const std::string &finalPath, bool force) {
  fs::path target(finalPath);
  if (target.filename().empty())
    target = target.parent_path(); // "out.llmc/" names out.llmc
  sweepStaleStaging(target.string());
  std::error_code error;
  fs::file_status status = fs::symlink_status(target, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      return Status::error(finalPath + " exists and is not a directory");
    if (!force)
      LLMC_RETURN_IF_ERROR(checkReplaceableEngine(target.string()));
  }
  LLMC_ASSIGN_OR_RETURN(std::string staging,
                        makeSiblingDirectory(target, "tmp"));
  StatusOr<int> slot = registerStagingDirectory(staging);
  if (!slot.isOk()) {
    fs::remove_all(staging, error);
    return slot.status();
  }
  return std::unique_ptr<StagedDirectory>(
      new StagedDirectory(target.string(), staging, *slot));
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  unregisterStagingDirectory(cleanupSlot_);
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
  hashes_[relative] = Sha256::hex(Sha256::of(std::string_view(bytes)));
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
  if (!fs::exists(fs::symlink_status(target, error))) {
    fs::rename(path_, target, error);
    if (error)
      return Status::error("cannot move the engine to " + finalPath_ + ": " +
                           error.message());
    committed_ = true;
    return Status::ok();
  }
  // One atomic swap: the output holds the old engine or the new one at every
  // instant, and the staging path now holds the old one, removed below (or,
  // after a kill -9, by the next compile's sweep).
  if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(),
                  RENAME_EXCHANGE) == 0) {
    committed_ = true;
    fs::remove_all(path_, error);
    return Status::ok();
  }
  if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
    return Status::error("cannot replace " + finalPath_ + ": " + errnoText());
  // No exchange on this file system: move the old engine aside (a name the
  // sweep recognizes and moves back if we die here), the new one in, then
  // delete the old one.
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
