// Tests of the data-sheet ceilings and of the device-measurement cache that
// llm-bench writes and llm-estimate reads.
#include "runtime/estimate/DeviceMeasurement.h"
#include "runtime/estimate/DeviceCeilings.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace llmc;
using nlohmann::json;

namespace {

DeviceMeasurement h200() {
  DeviceMeasurement m;
  m.device = "NVIDIA H200";
  m.arch = "sm_90";
  m.copyBandwidthBytesPerSecond = 4.28e12;
  m.matrixFlopsPerSecond = 6.1e14;
  m.matrixKernel = "GemmMma<8192, 8192, ...>";
  m.measuredAt = "2025-01-31T12:00:00Z";
  return m;
}

std::string temporaryDirectory(const std::string &name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("llmc-measure-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

} // namespace

TEST(DeviceCeilings, DataSheetTable) {
  StatusOr<DeviceCeilings> h100 = knownGpu("h100");
  ASSERT_TRUE(h100.isOk());
  EXPECT_EQ(h100->bandwidthBytesPerSecond, 3.35e12);
  EXPECT_EQ(h100->matrixFlopsPerSecond, 989e12);
  EXPECT_EQ(knownGpu("H200")->bandwidthBytesPerSecond, 4.8e12);
  EXPECT_EQ(knownGpu("a100")->matrixFlopsPerSecond, 312e12);
  StatusOr<DeviceCeilings> unknown = knownGpu("v100");
  ASSERT_FALSE(unknown.isOk());
  EXPECT_EQ(unknown.status().message(),
            "unknown GPU 'v100' (known: h100, h200, a100)");
}

TEST(DeviceCeilings, CudaDeviceNamesFindTheirEntry) {
  EXPECT_EQ(knownGpuForDeviceName("NVIDIA H100 80GB HBM3")->name, "H100 SXM");
  EXPECT_EQ(knownGpuForDeviceName("NVIDIA A100-SXM4-80GB")->name, "A100 80GB");
  EXPECT_FALSE(knownGpuForDeviceName("NVIDIA GeForce RTX 4090").has_value());
}

TEST(DeviceMeasurement, JsonRoundTrip) {
  StatusOr<DeviceMeasurement> back =
      deviceMeasurementFromJson(toJson(h200()), "cache.json");
  ASSERT_TRUE(back.isOk()) << back.status().message();
  EXPECT_EQ(back->device, "NVIDIA H200");
  EXPECT_EQ(back->copyBandwidthBytesPerSecond, 4.28e12);
  EXPECT_EQ(back->matrixFlopsPerSecond, 6.1e14);
  EXPECT_EQ(back->matrixKernel, "GemmMma<8192, 8192, ...>");
  DeviceCeilings ceilings = back->ceilings("cache.json");
  EXPECT_EQ(ceilings.bandwidthBytesPerSecond, 4.28e12);
  EXPECT_EQ(ceilings.source, "measured (cache.json)");
}

TEST(DeviceMeasurement, ErrorsNameTheField) {
  json j = toJson(h200());
  j.erase("arch");
  EXPECT_EQ(deviceMeasurementFromJson(j, "c.json").status().message(),
            "c.json: field 'arch' is missing");
  j = toJson(h200());
  j["bf16_matrix_flops_per_second"] = 0;
  EXPECT_EQ(deviceMeasurementFromJson(j, "c.json").status().message(),
            "c.json: field 'bf16_matrix_flops_per_second' must be positive, "
            "got 0");
  j = toJson(h200());
  j["copy_bandwidth_bytes_per_second"] = "fast";
  EXPECT_EQ(deviceMeasurementFromJson(j, "c.json").status().message(),
            "c.json: field 'copy_bandwidth_bytes_per_second' must be a number");
  j = toJson(h200());
  j["format"] = 7;
  EXPECT_EQ(deviceMeasurementFromJson(j, "c.json").status().message(),
            "c.json: field 'format' must be 1");
}

TEST(DeviceMeasurement, FileNameKeepsOnlySafeCharacters) {
  EXPECT_EQ(measurementFileName("NVIDIA H200"), "device-NVIDIA-H200.json");
  EXPECT_EQ(measurementFileName("NVIDIA A100-SXM4-80GB/x"),
            "device-NVIDIA-A100-SXM4-80GB-x.json");
}

TEST(DeviceMeasurement, WritesAndReadsTheCacheFile) {
  const std::string dir = temporaryDirectory("cache");
  const std::string path = dir + "/" + measurementFileName("NVIDIA H200");
  ASSERT_TRUE(writeDeviceMeasurement(path, h200()).isOk());
  std::ofstream(dir + "/unrelated.json") << "{}";
  EXPECT_EQ(cachedMeasurementFiles(dir), std::vector<std::string>{path});
  StatusOr<DeviceMeasurement> back = readDeviceMeasurement(path);
  ASSERT_TRUE(back.isOk()) << back.status().message();
  EXPECT_EQ(back->measuredAt, "2025-01-31T12:00:00Z");
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(cachedMeasurementFiles(dir).empty());
}

TEST(DeviceMeasurement, CacheFollowsXdgCacheHome) {
  const char *saved = std::getenv("XDG_CACHE_HOME");
  const std::string previous = saved ? saved : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(*measurementCacheDirectory(), "/tmp/xdg-test/llmc");
  if (saved)
    ::setenv("XDG_CACHE_HOME", previous.c_str(), 1);
  else
    ::unsetenv("XDG_CACHE_HOME");
}
