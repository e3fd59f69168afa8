// StagedDirectory: an engine directory written beside its final path and
// renamed into place only when complete, so a reader (or a failed compile)
// never sees half an engine, and an existing engine is replaced only by a
// complete new one. Every file written through it is hashed (SHA-256) for
// the manifest.
#pragma once

#include "runtime/Status.h"

#include <map>
#include <memory>
#include <string>

namespace llmc {

class StagedDirectory {
public:
  /// Checks that `finalPath` may be written (absent, or an existing engine
  /// directory, i.e. one with a manifest.json) and creates the temporary
  /// directory `.<name>.tmp-XXXXXX` beside it.
  static StatusOr<std::unique_ptr<StagedDirectory>>
  create(const std::string &finalPath);
  /// Removes the temporary directory unless committed.
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory &) = delete;
  StagedDirectory &operator=(const StagedDirectory &) = delete;

  /// The temporary directory.
  const std::string &path() const { return path_; }
  /// `relative` inside the temporary directory.
  std::string pathOf(const std::string &relative) const;

  /// Writes `bytes` to `relative` (parent directories created) and hashes
  /// them.
  Status writeFile(const std::string &relative, const std::string &bytes);
  /// Copies the file at `source` to `relative` and hashes it.
  Status copyFile(const std::string &relative, const std::string &source);
  /// Hashes a file something else wrote at pathOf(relative).
  Status adoptFile(const std::string &relative);

  /// SHA-256 (hex) of every file so far, by relative path.
  const std::map<std::string, std::string> &fileHashes() const {
    return hashes_;
  }

  /// Moves the directory to the final path, replacing an engine there.
  Status commit();

private:
  StagedDirectory(std::string finalPath, std::string path)
      : finalPath_(std::move(finalPath)), path_(std::move(path)) {}

  std::string finalPath_;
  std::string path_;
  std::map<std::string, std::string> hashes_;
  bool committed_ = false;
};

} // namespace llmc
