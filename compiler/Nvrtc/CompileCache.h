// CompileCache: NVRTC results on disk, so the compiler and the runtime compile
// a kernel once per (source, headers, options, arch, NVRTC version).
//
// An entry is a file named by the SHA-256 of everything that determines
// NVRTC's output; it is written to a temporary file and renamed into place, so
// readers see a whole entry or none, and it carries a checksum of its payload
// (CacheEntry.h), so a corrupted or truncated entry is reported and recompiled,
// never used.
#pragma once

#include "compiler/Nvrtc/Nvrtc.h"
#include "runtime/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc::nvrtc {

/// A compile served through the cache.
struct CachedCompile {
  CompileResult result;
  bool cacheHit = false;
  /// Ok, or something the caller may want to print: an unusable entry that was
  /// recompiled, an entry that could not be written. Never fatal.
  Status warning;
};

/// One cache directory. Safe to share between threads and processes.
class CompileCache {
public:
  /// $LLMC_CACHE_DIR, else $XDG_CACHE_HOME/llmc/nvrtc, else
  /// $HOME/.cache/llmc/nvrtc; an error when none of these is set.
  static StatusOr<std::string> defaultDirectory();

  /// A cache in `directory`, created on the first store.
  explicit CompileCache(std::string directory)
      : directory_(std::move(directory)) {}

  const std::string &directory() const { return directory_; }

  /// The key of `request` compiled with exactly `options` by NVRTC `version`:
  /// 64 hex digits of SHA-256 over the source, every header's name and
  /// contents, the options, the arch, the outputs asked for, the name
  /// expressions, the program name (it appears in the log and line info) and
  /// the version.
  static std::string key(const CompileRequest &request,
                         const std::vector<std::string> &options,
                         const std::string &nvrtcVersion);
  /// Where the entry for `key` lives.
  std::string entryPath(const std::string &key) const;

  /// The cached result for `key`: nullopt when absent. An unreadable or
  /// corrupt entry is also nullopt, with a warning naming the file and fault.
  std::optional<CompileResult> lookup(const std::string &key,
                                      Status &warning) const;
  /// Writes the entry for `key` atomically (temporary file + rename).
  Status store(const std::string &key, const CompileResult &result) const;

  /// Compiles `request` unless the cache has it; stores fresh results.
  StatusOr<CachedCompile> compile(const Nvrtc &nvrtc,
                                  const CompileRequest &request) const;
  /// compile() for many requests: lookups first, then the misses compiled on
  /// `threads` workers (Nvrtc::compileAll). Result i belongs to request i.
  std::vector<StatusOr<CachedCompile>>
  compileAll(const Nvrtc &nvrtc, const std::vector<CompileRequest> &requests,
             unsigned threads = 0) const;

private:
  std::string directory_;
};

} // namespace llmc::nvrtc
