// Tests of llm-bench's kernel profile report: the per-phase table's cells,
// the JSON fields, and the profile's place in the full report.
#include "tools/llm-bench/ProfileReport.h"
#include "tools/llm-bench/BenchReport.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace llmc;
using namespace llmc::bench;

namespace {

/// A decode phase of two kernels measured against 1 TB/s and 100 TFLOP/s.
KernelProfile decodeProfile() {
  KernelProfileRow gemv;
  gemv.kernel = "gemv";
  gemv.launches = 4;
  gemv.seconds = 15e-6;
  gemv.bytes = 6.006e6;
  gemv.flops = 36e6;
  gemv.rooflineSeconds = 6.006e-6;
  gemv.phaseShare = 15.0 / 19;
  KernelProfileRow gemm;
  gemm.kernel = "gemm";
  gemm.launches = 2;
  gemm.seconds = 4e-6;
  gemm.bytes = 1e5;
  gemm.flops = 2e8;
  gemm.rooflineSeconds = 2e-6;
  gemm.computeBound = true;
  gemm.phaseShare = 4.0 / 19;
  PhaseProfile decode;
  decode.phase = "decode";
  decode.launches = 6;
  decode.seconds = 19e-6;
  decode.kernels = {gemv, gemm};
  KernelProfile profile;
  profile.ceilings = DeviceCeilings{"test", 1e12, 1e14, "test"};
  profile.phases = {decode};
  return profile;
}

/// The cells after the first of the line of `text` that starts with `first`.
std::vector<std::string> lineCells(const std::string &text,
                                   const std::string &first) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream cells(line);
    std::string cell;
    if (!(cells >> cell) || cell != first)
      continue;
    std::vector<std::string> out;
    while (cells >> cell)
      out.push_back(cell);
    return out;
  }
  return {};
}

} // namespace

TEST(ProfileReport, TableShowsEachKernelsRatesAndRooflineShare) {
  const std::string text = formatProfile(decodeProfile());
  EXPECT_NE(text.find("decode: 0.019 ms of kernel time in 6 launches"),
            std::string::npos)
      << text;
  EXPECT_EQ(lineCells(text, "decode"),
            (std::vector<std::string>{"kernel", "launches", "ms", "total", "%",
                                      "phase", "us/launch", "GB/s", "TFLOP/s",
                                      "%", "roofline", "bound"}))
      << text;
  // 6.006 MB and 36 MFLOP in 15 us: 400.4 GB/s, 2.40 TFLOP/s; roofline
  // 6.006 of 15 us.
  EXPECT_EQ(lineCells(text, "gemv"),
            (std::vector<std::string>{"4", "0.015", "78.9", "3.75", "400.4",
                                      "2.40", "40.0", "memory"}))
      << text;
  // 2e8 FLOP in 4 us: 50 TFLOP/s, half the roofline's time.
  EXPECT_EQ(lineCells(text, "gemm"),
            (std::vector<std::string>{"2", "0.004", "21.1", "2.00", "25.0",
                                      "50.00", "50.0", "compute"}))
      << text;
}

TEST(ProfileReport, WithoutCeilingsRooflineColumnsAreDashes) {
  KernelProfile profile = decodeProfile();
  profile.ceilings.reset();
  EXPECT_EQ(lineCells(formatProfile(profile), "gemv"),
            (std::vector<std::string>{"4", "0.015", "78.9", "3.75", "400.4",
                                      "2.40", "-", "-"}));
  const nlohmann::json j = toJson(profile);
  EXPECT_TRUE(j["ceilings"].is_null());
  EXPECT_TRUE(j["phases"][0]["kernels"][0]["bound"].is_null());
  EXPECT_TRUE(j["phases"][0]["kernels"][0]["roofline_fraction"].is_null());
}

TEST(ProfileReport, JsonCarriesEveryFigureInSiUnits) {
  const nlohmann::json j = toJson(decodeProfile());
  EXPECT_EQ(j["timing"], kProfileTimingNote);
  EXPECT_DOUBLE_EQ(j["ceilings"]["bandwidth_bytes_per_second"].get<double>(),
                   1e12);
  const nlohmann::json &phase = j["phases"][0];
  EXPECT_EQ(phase["phase"], "decode");
  EXPECT_EQ(phase["launches"], 6);
  const nlohmann::json &gemv = phase["kernels"][0];
  EXPECT_EQ(gemv["kernel"], "gemv");
  EXPECT_EQ(gemv["launches"], 4);
  EXPECT_DOUBLE_EQ(gemv["seconds"].get<double>(), 15e-6);
  EXPECT_DOUBLE_EQ(gemv["microseconds_per_launch"].get<double>(), 3.75);
  EXPECT_DOUBLE_EQ(gemv["bytes_per_second"].get<double>(), 6.006e6 / 15e-6);
  EXPECT_DOUBLE_EQ(gemv["roofline_fraction"].get<double>(), 6.006e-6 / 15e-6);
  EXPECT_EQ(gemv["bound"], "memory");
  EXPECT_EQ(phase["kernels"][1]["bound"], "compute");
}

TEST(ProfileReport, BenchReportAddsTheProfileOfAProfiledResultOnly) {
  BenchResult plain;
  plain.workload = "latency";
  plain.label = "prompt 8 / output 4";
  BenchResult profiled = plain;
  profiled.workload = "decode";
  profiled.profile = decodeProfile();
  BenchReport report;
  report.results = {plain, profiled};

  const nlohmann::json j = toJson(report);
  EXPECT_FALSE(j["results"][0].contains("profile"));
  EXPECT_EQ(j["results"][1]["profile"]["phases"][0]["phase"], "decode");

  const std::string text = formatReport(report);
  EXPECT_EQ(text.find("kernel profile of latency"), std::string::npos);
  const size_t at = text.find("kernel profile of decode prompt 8 / output 4");
  ASSERT_NE(at, std::string::npos) << text;
  // The note on how the times were taken comes before the tables.
  EXPECT_LT(at, text.find("without CUDA graphs"));
  EXPECT_LT(text.find("without CUDA graphs"), text.find("decode kernel"));
}
