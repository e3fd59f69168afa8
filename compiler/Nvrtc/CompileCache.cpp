// The compile cache: keys, atomic entry files, and compiling through it.
#include "compiler/Nvrtc/CompileCache.h"

#include "compiler/Nvrtc/CacheEntry.h"
#include "runtime/support/Sha256.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace llmc::nvrtc {
namespace fs = std::filesystem;

namespace {

/// Changing what goes into keys (or how) must change this, so old entries are
/// never looked up under a new meaning.
constexpr const char *kKeySchema = "llmc-nvrtc-compile-cache/1";

const char *envOrNull(const char *name) {
  const char *value = std::getenv(name);
  return value && *value ? value : nullptr;
}

/// A temporary name no other writer (thread or process) uses at the same time.
std::string temporaryName(const std::string &key) {
  static std::atomic<unsigned> counter{0};
  std::ostringstream name;
  name << "." << key << ".tmp." << getpid() << "."
       << std::hash<std::thread::id>()(std::this_thread::get_id()) << "."
       << counter++;
  return name.str();
}

} // namespace

StatusOr<std::string> CompileCache::defaultDirectory() {
  if (const char *dir = envOrNull("LLMC_CACHE_DIR"))
    return std::string(dir);
  if (const char *xdg = envOrNull("XDG_CACHE_HOME"))
    return (fs::path(xdg) / "llmc" / "nvrtc").string();
  if (const char *home = envOrNull("HOME"))
    return (fs::path(home) / ".cache" / "llmc" / "nvrtc").string();
  return Status::error("no directory for the NVRTC compile cache: set "
                       "LLMC_CACHE_DIR (or XDG_CACHE_HOME or HOME)");
}

std::string CompileCache::key(const CompileRequest &request,
                              const std::vector<std::string> &options,
                              const std::string &nvrtcVersion) {
  Sha256 hash;
  hash.updateField(kKeySchema);
  hash.updateField(nvrtcVersion);
  hash.updateField(request.arch);
  hash.updateField(request.name);
  hash.updateField(request.source);
  hash.updateField(std::to_string(request.headers.size()));
  for (const auto &[name, contents] : request.headers) {
    hash.updateField(name);
    hash.updateField(contents);
  }
  hash.updateField(std::to_string(options.size()));
  for (const std::string &option : options)
    hash.updateField(option);
  hash.updateField(std::to_string(request.nameExpressions.size()));
  for (const std::string &expression : request.nameExpressions)
    hash.updateField(expression);
  hash.updateField(request.wantCubin ? "cubin" : "");
  hash.updateField(request.wantPtx ? "ptx" : "");
  return Sha256::hex(hash.digest());
}

std::string CompileCache::entryPath(const std::string &key) const {
  return (fs::path(directory_) / (key + ".nvrtc")).string();
}

std::optional<CompileResult> CompileCache::lookup(const std::string &key,
                                                  Status &warning) const {
  warning = Status::ok();
  const std::string path = entryPath(key);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt; // a miss, not a problem
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) {
    warning =
        Status::error("compile cache: cannot read " + path + "; recompiling");
    return std::nullopt;
  }
  StatusOr<CompileResult> decoded = decodeCacheEntry(bytes.str());
  if (!decoded.isOk()) {
    warning =
        Status::error("compile cache: ignoring unusable entry " + path + " (" +
                      decoded.status().message() + "); recompiling");
    return std::nullopt;
  }
  return std::move(decoded).value();
}

Status CompileCache::store(const std::string &key,
                           const CompileResult &result) const {
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec)
    return Status::error("compile cache: cannot create " + directory_ + ": " +
                         ec.message());
  const fs::path temporary = fs::path(directory_) / temporaryName(key);
  const std::string entry = encodeCacheEntry(result);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(entry.data(), std::streamsize(entry.size()));
    out.close();
    if (!out) {
      fs::remove(temporary, ec);
      return Status::error("compile cache: cannot write " + temporary.string());
    }
  }
  // rename() replaces atomically: concurrent writers of the same key each put
  // a complete entry in place and the last one wins.
  fs::rename(temporary, entryPath(key), ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    return Status::error("compile cache: cannot move an entry into place at " +
                         entryPath(key) + ": " + ec.message());
  }
  return Status::ok();
}

StatusOr<CachedCompile>
CompileCache::compile(const Nvrtc &nvrtc, const CompileRequest &request) const {
  std::vector<StatusOr<CachedCompile>> results =
      compileAll(nvrtc, {request}, 1);
  return std::move(results.front());
}

std::vector<StatusOr<CachedCompile>>
CompileCache::compileAll(const Nvrtc &nvrtc,
                         const std::vector<CompileRequest> &requests,
                         unsigned threads) const {
  std::vector<StatusOr<CachedCompile>> results;
  results.reserve(requests.size());
  std::vector<std::string> keys(requests.size());
  std::vector<Status> warnings(requests.size());
  std::vector<CompileRequest> misses;
  std::vector<std::size_t> missIndex;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    StatusOr<std::vector<std::string>> options = nvrtc.options(requests[i]);
    if (!options.isOk()) {
      results.push_back(options.status());
      continue;
    }
    keys[i] = key(requests[i], *options, nvrtc.version());
    std::optional<CompileResult> hit = lookup(keys[i], warnings[i]);
    if (hit) {
      results.push_back(CachedCompile{std::move(*hit), true, Status::ok()});
      continue;
    }
    results.push_back(Status::error("not compiled yet"));
    misses.push_back(requests[i]);
    missIndex.push_back(i);
  }

  std::vector<StatusOr<CompileResult>> compiled =
      nvrtc.compileAll(misses, threads);
  for (std::size_t m = 0; m < misses.size(); ++m) {
    std::size_t i = missIndex[m];
    if (!compiled[m].isOk()) {
      results[i] = compiled[m].status();
      continue;
    }
    CachedCompile outcome{std::move(compiled[m]).value(), false, warnings[i]};
    Status stored = store(keys[i], outcome.result);
    if (!stored.isOk())
      outcome.warning = outcome.warning.isOk()
                            ? stored
                            : Status::error(outcome.warning.message() + "; " +
                                            stored.message());
    results[i] = std::move(outcome);
  }
  return results;
}

} // namespace llmc::nvrtc
