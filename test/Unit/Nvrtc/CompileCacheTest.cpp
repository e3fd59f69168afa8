// The on-disk compile cache: misses compile and store, hits skip NVRTC, keys
// follow everything that changes the output, and damaged entries are reported
// and recompiled rather than used.
#include "compiler/Nvrtc/CompileCache.h"
#include "compiler/Nvrtc/CacheEntry.h"

#include "NvrtcTestSupport.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>

namespace llmc {
namespace {

using nvrtc::CachedCompile;
using nvrtc::CompileCache;
using nvrtc::CompileRequest;
using nvrtc::CompileResult;

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string keyOf(const nvrtc::Nvrtc &nvrtc, const CompileRequest &request) {
  StatusOr<std::vector<std::string>> options = nvrtc.options(request);
  EXPECT_TRUE(options.isOk()) << options.status().message();
  return CompileCache::key(
      request, options.isOk() ? *options : std::vector<std::string>{},
      nvrtc.version());
}

CompileResult sampleResult() {
  CompileResult result;
  result.cubin = {'\x7f', 'E', 'L', 'F', '\0', '\x01'};
  result.ptx = ".version 9.0\n.target sm_90a\n";
  result.log = "ptxas info    : Used 8 registers\n";
  nvrtc::KernelResources kernel;
  kernel.mangledName = "_Z1kv";
  kernel.name = "k()";
  kernel.registers = 8;
  kernel.spillStoreBytes = 4;
  kernel.sharedBytes = -1; // any int survives the round trip
  result.kernels = {kernel};
  result.loweredNames = {{"k", "_Z1kv"}};
  return result;
}

TEST(CacheEntry, RoundTripsEveryField) {
  CompileResult original = sampleResult();
  StatusOr<CompileResult> decoded =
      nvrtc::decodeCacheEntry(nvrtc::encodeCacheEntry(original));
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ(decoded->cubin, original.cubin);
  EXPECT_EQ(decoded->ptx, original.ptx);
  EXPECT_EQ(decoded->log, original.log);
  EXPECT_EQ(decoded->kernels, original.kernels);
  EXPECT_EQ(decoded->loweredNames, original.loweredNames);
}

TEST(CacheEntry, EveryFlippedByteIsDetected) {
  const std::string entry = nvrtc::encodeCacheEntry(sampleResult());
  for (std::size_t i = 0; i < entry.size(); ++i) {
    std::string damaged = entry;
    damaged[i] = char(damaged[i] ^ 0x5a);
    EXPECT_FALSE(nvrtc::decodeCacheEntry(damaged).isOk()) << "byte " << i;
  }
}

TEST(CacheEntry, EveryTruncationIsDetected) {
  const std::string entry = nvrtc::encodeCacheEntry(sampleResult());
  for (std::size_t size = 0; size < entry.size(); ++size)
    EXPECT_FALSE(nvrtc::decodeCacheEntry(entry.substr(0, size)).isOk())
        << size << " bytes";
  StatusOr<CompileResult> extended = nvrtc::decodeCacheEntry(entry + "x");
  ASSERT_FALSE(extended.isOk());
  EXPECT_NE(extended.status().message().find("truncated or extended"),
            std::string::npos);
}

TEST(CompileCache, MissCompilesAndStoresThenHitSkipsNvrtc) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  test::TemporaryDirectory dir;
  ASSERT_FALSE(dir.path().empty());
  CompileCache cache(dir.path() + "/nested/cache"); // created on first store
  CompileRequest request = test::scaleKernelRequest();

  std::uint64_t before = nvrtc.compileCount();
  StatusOr<CachedCompile> first = cache.compile(nvrtc, request);
  ASSERT_TRUE(first.isOk()) << first.status().message();
  EXPECT_FALSE(first->cacheHit);
  EXPECT_TRUE(first->warning.isOk()) << first->warning.message();
  EXPECT_EQ(nvrtc.compileCount(), before + 1);
  EXPECT_TRUE(std::filesystem::exists(cache.entryPath(keyOf(nvrtc, request))));

  StatusOr<CachedCompile> second = cache.compile(nvrtc, request);
  ASSERT_TRUE(second.isOk()) << second.status().message();
  EXPECT_TRUE(second->cacheHit);
  EXPECT_EQ(nvrtc.compileCount(), before + 1) << "a hit must not compile";
  EXPECT_EQ(second->result.cubin, first->result.cubin);
  EXPECT_EQ(second->result.ptx, first->result.ptx);
  EXPECT_EQ(second->result.kernels, first->result.kernels);
  EXPECT_EQ(second->result.loweredNames, first->result.loweredNames);
}

TEST(CompileCache, KeyFollowsOptionsArchHeadersSourceAndVersion) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  const CompileRequest base = test::scaleKernelRequest();
  const std::string baseKey = keyOf(nvrtc, base);
  EXPECT_EQ(baseKey.size(), 64u);
  EXPECT_EQ(keyOf(nvrtc, base), baseKey) << "keys are deterministic";

  CompileRequest changed = base;
  changed.options = {"-DTILE=64"};
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "options";
  changed = base;
  changed.arch = "sm_89";
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "arch";
  changed = base;
  changed.headers["scale.cuh"] += "// edited\n";
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "header contents";
  changed = base;
  changed.headers["scale2.cuh"] = changed.headers["scale.cuh"];
  changed.headers.erase("scale.cuh");
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "header name";
  changed = base;
  changed.source += "\n";
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "source";
  changed = base;
  changed.wantPtx = false;
  EXPECT_NE(keyOf(nvrtc, changed), baseKey) << "outputs asked for";
  std::vector<std::string> options = *nvrtc.options(base);
  EXPECT_NE(CompileCache::key(base, options, "12.9"), baseKey)
      << "NVRTC version";
}

/// Damages the cached entry of `request` with `damage` and checks the next
/// compile reports it, recompiles, and leaves a good entry behind.
void expectDamageIsDetectedAndRepaired(
    const std::function<std::string(const std::string &)> &damage) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  test::TemporaryDirectory dir;
  ASSERT_FALSE(dir.path().empty());
  CompileCache cache(dir.path());
  CompileRequest request = test::scaleKernelRequest();
  StatusOr<CachedCompile> fresh = cache.compile(nvrtc, request);
  ASSERT_TRUE(fresh.isOk()) << fresh.status().message();
  const std::string path = cache.entryPath(keyOf(nvrtc, request));
  writeFile(path, damage(readFile(path)));

  std::uint64_t before = nvrtc.compileCount();
  StatusOr<CachedCompile> again = cache.compile(nvrtc, request);
  ASSERT_TRUE(again.isOk()) << again.status().message();
  EXPECT_FALSE(again->cacheHit) << "a damaged entry is never used";
  EXPECT_EQ(nvrtc.compileCount(), before + 1) << "it is recompiled";
  ASSERT_FALSE(again->warning.isOk()) << "the damage is reported";
  EXPECT_NE(again->warning.message().find(path), std::string::npos)
      << again->warning.message();
  EXPECT_EQ(again->result.cubin, fresh->result.cubin);

  StatusOr<CachedCompile> repaired = cache.compile(nvrtc, request);
  ASSERT_TRUE(repaired.isOk());
  EXPECT_TRUE(repaired->cacheHit) << "the recompiled entry replaced it";
  EXPECT_TRUE(repaired->warning.isOk());
}

TEST(CompileCache, FlippedBytesAreReportedAndRecompiled) {
  expectDamageIsDetectedAndRepaired([](std::string bytes) {
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 3; ++i)
      bytes[i] = char(~bytes[i]);
    return bytes;
  });
}

TEST(CompileCache, TruncatedEntryIsReportedAndRecompiled) {
  expectDamageIsDetectedAndRepaired([](const std::string &bytes) {
    return bytes.substr(0, bytes.size() / 3);
  });
}

TEST(CompileCache, EmptyEntryIsReportedAndRecompiled) {
  expectDamageIsDetectedAndRepaired([](const std::string &) { return ""; });
}

TEST(CompileCache, CompileAllServesHitsAndCompilesMissesInOrder) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  test::TemporaryDirectory dir;
  ASSERT_FALSE(dir.path().empty());
  CompileCache cache(dir.path());
  std::vector<CompileRequest> requests;
  for (const char *arch : {"sm_80", "sm_89", "sm_90", "sm_90a"})
    requests.push_back(test::scaleKernelRequest(arch));
  ASSERT_TRUE(cache.compile(nvrtc, requests[1]).isOk()); // warm one entry

  std::uint64_t before = nvrtc.compileCount();
  std::vector<StatusOr<CachedCompile>> results =
      cache.compileAll(nvrtc, requests, 4);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(nvrtc.compileCount(), before + 3);
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].isOk()) << results[i].status().message();
    EXPECT_EQ(results[i]->cacheHit, i == 1) << i;
    EXPECT_NE(results[i]->result.ptx.find(".target " + requests[i].arch),
              std::string::npos)
        << i;
  }
}

TEST(CompileCache, CompileErrorsAreNotCached) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  test::TemporaryDirectory dir;
  ASSERT_FALSE(dir.path().empty());
  CompileCache cache(dir.path());
  CompileRequest request;
  request.name = "broken.cu";
  request.arch = "sm_90a";
  request.source = "__global__ void k() { syntax error }\n";
  EXPECT_FALSE(cache.compile(nvrtc, request).isOk());
  EXPECT_FALSE(std::filesystem::exists(cache.entryPath(keyOf(nvrtc, request))));
}

TEST(CompileCache, UnwritableDirectoryIsAWarningNotAFailure) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  test::TemporaryDirectory dir;
  ASSERT_FALSE(dir.path().empty());
  // A regular file where the cache directory should be.
  const std::string blocker = dir.path() + "/not-a-directory";
  writeFile(blocker, "x");
  CompileCache cache(blocker + "/cache");
  StatusOr<CachedCompile> result =
      cache.compile(nvrtc, test::scaleKernelRequest());
  ASSERT_TRUE(result.isOk()) << result.status().message();
  EXPECT_FALSE(result->result.cubin.empty());
  ASSERT_FALSE(result->warning.isOk());
  EXPECT_NE(result->warning.message().find("cannot create"), std::string::npos)
      << result->warning.message();
}

/// Sets environment variables for one test and restores them afterwards.
class ScopedEnvironment {
public:
  void set(const char *name, const char *value) {
    const char *old = std::getenv(name);
    saved_.push_back(
        {name, old ? std::optional<std::string>(old) : std::nullopt});
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        unsetenv(it->first.c_str());
    }
  }

private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(CompileCache, DefaultDirectoryPrefersLlmcThenXdgThenHome) {
  ScopedEnvironment env;
  env.set("LLMC_CACHE_DIR", "/llmc/cache");
  env.set("XDG_CACHE_HOME", "/xdg");
  env.set("HOME", "/home/someone");
  EXPECT_EQ(*CompileCache::defaultDirectory(), "/llmc/cache");
  env.set("LLMC_CACHE_DIR", nullptr);
  EXPECT_EQ(*CompileCache::defaultDirectory(), "/xdg/llmc/nvrtc");
  env.set("XDG_CACHE_HOME", "");
  EXPECT_EQ(*CompileCache::defaultDirectory(),
            "/home/someone/.cache/llmc/nvrtc");
  env.set("HOME", nullptr);
  StatusOr<std::string> none = CompileCache::defaultDirectory();
  ASSERT_FALSE(none.isOk());
  EXPECT_NE(none.status().message().find("LLMC_CACHE_DIR"), std::string::npos);
}

} // namespace
} // namespace llmc
