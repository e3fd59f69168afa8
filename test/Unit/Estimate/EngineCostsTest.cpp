// Tests of the costs read from a compiled engine's manifest, and of the
// manifest reader's errors.
#include "runtime/estimate/EngineCosts.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace llmc;

namespace {

Phase phase(const std::string &name, int64_t maxRows, uint64_t arenaBytes,
            std::vector<double> perRowFlops) {
  Phase p;
  p.name = name;
  p.module = name;
  p.maxRows = maxRows;
  p.arenaBytes = arenaBytes;
  for (double flops : perRowFlops) {
    KernelLaunch launch;
    launch.kernel = name + "_kernel";
    launch.cost.flops.perRow = flops;
    p.launches.push_back(launch);
  }
  return p;
}

Manifest threePhaseManifest() {
  Manifest m;
  m.config.name = "tiny";
  m.config.numLayers = 2;
  m.config.numKvHeads = 2;
  m.config.headDim = 4;
  m.config.maxSeqLen = 128;
  m.options.maxSlots = 8;
  m.options.maxSeqLen = 96; // compiled below the model's context
  m.kvCache.blockSize = 32;
  m.weights.totalBytes = 4096;
  m.phases = {phase("prefill", 256, 1024, {1, 2, 3}),
              phase("decode", 8, 512, {4}), phase("sample", 8, 64, {5, 6})};
  return m;
}

std::string temporaryDirectory(const std::string &name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("llmc-estimate-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

} // namespace

TEST(EngineCosts, TakesEveryPhaseAndTheEngineLimits) {
  StatusOr<EngineCosts> costs =
      engineCostsFromManifest(threePhaseManifest(), "engine tiny.llmc");
  ASSERT_TRUE(costs.isOk()) << costs.status().message();
  EXPECT_EQ(costs->source, "engine tiny.llmc");
  ASSERT_EQ(costs->prefill.launches.size(), 3u);
  EXPECT_EQ(costs->prefill.launches[2].flops.perRow, 3);
  EXPECT_EQ(costs->prefill.maxRows, 256);
  ASSERT_EQ(costs->sample.launches.size(), 2u);
  EXPECT_EQ(costs->decode.launches[0].flops.perRow, 4);
  EXPECT_EQ(costs->maxSlots, 8);
  EXPECT_EQ(costs->maxSeqLen, 96);
  EXPECT_EQ(costs->kvBlockSize, 32);
  EXPECT_EQ(costs->weightBytes, 4096u);
  EXPECT_EQ(costs->arenaBytes(), 1024u + 512u + 64u);
  // 2 (K and V) * 2 layers * 2 heads * 4 dims * 2 bytes.
  EXPECT_EQ(costs->kvBytesPerToken(), 64u);
}

TEST(EngineCosts, RefusesAManifestWithoutASamplePhase) {
  Manifest m = threePhaseManifest();
  m.phases.pop_back();
  StatusOr<EngineCosts> costs = engineCostsFromManifest(m, "engine x.llmc");
  ASSERT_FALSE(costs.isOk());
  EXPECT_EQ(costs.status().message(),
            "engine x.llmc: the manifest has no 'sample' phase");
}

TEST(EngineCosts, ReaderNamesAMissingManifest) {
  const std::string dir = temporaryDirectory("missing");
  StatusOr<Manifest> manifest = readEngineManifest(dir);
  ASSERT_FALSE(manifest.isOk());
  EXPECT_EQ(manifest.status().message(), "cannot read " + dir +
                                             "/manifest.json (is " + dir +
                                             " an engine directory?)");
  std::filesystem::remove_all(dir);
}

TEST(EngineCosts, ReaderRefusesBrokenJson) {
  const std::string dir = temporaryDirectory("broken");
  std::ofstream(dir + "/manifest.json") << "{\"format_version\": ";
  StatusOr<Manifest> manifest = readEngineManifest(dir);
  ASSERT_FALSE(manifest.isOk());
  EXPECT_EQ(manifest.status().message(),
            dir + "/manifest.json: not valid JSON");
  std::filesystem::remove_all(dir);
}
