// StagedDirectory: an engine directory written beside its final path and
// moved into place only when complete, so a reader (or a failed compile)
// never sees half an engine, and an existing engine is replaced only by a
// complete new one. Every file written through it is hashed (SHA-256) for
// the manifest.
//
// What it may replace: nothing but an llmc engine, i.e. a directory whose
// manifest.json is an engine manifest (a JSON object with format_version and
// file_hashes) and which holds no file that manifest does not list; anything
// else is refused unless forced, so a mistyped -o never deletes a user's
// directory.
//
// Interruptions: the staging directory is named ".<name>.tmp-<pid>-XXXXXX"
// and registered with StagingCleanup, so SIGINT/SIGTERM/SIGHUP remove it; a
// later create() for the same output sweeps the staging directories of
// processes that no longer exist (kill -9). Replacing an engine swaps the
// two directories in one renameat2(RENAME_EXCHANGE), so the output holds the
// old or the new engine at every instant; where the file system cannot
// exchange, the old engine is first renamed to ".<name>.old-<pid>-XXXXXX",
// which the sweep moves back if the process died before the new one was in.
#pragma once

#include "runtime/Status.h"

#include <map>
#include <memory>
#include <string>

namespace llmc {

class StagedDirectory {
public:
  /// Checks that `finalPath` may be written (absent, or an engine directory,
  /// or with `force` any directory), sweeps stale staging directories of
  /// dead processes beside it, and creates the staging directory.
  static StatusOr<std::unique_ptr<StagedDirectory>>
  create(const std::string &finalPath, bool force = false);
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
  StagedDirectory(std::string finalPath, std::string path, int slot)
      : finalPath_(std::move(finalPath)), path_(std::move(path)),
        cleanupSlot_(slot) {}

  std::string finalPath_;
  std::string path_;
  int cleanupSlot_;
  std::map<std::string, std::string> hashes_;
  bool committed_ = false;
};

/// Fails, saying why, unless `directory` is an llmc engine that a compile may
/// replace (see StagedDirectory).
Status checkReplaceableEngine(const std::string &directory);

/// Removes ".<name>.tmp-<pid>-*" and ".<name>.old-<pid>-*" beside
/// `finalPath` whose process is gone; an ".old" directory is moved back to
/// `finalPath` instead when nothing is there (an interrupted replacement).
void sweepStaleStaging(const std::string &finalPath);

} // namespace llmc
