// Tests of llm-bench's report: the JSON fields bench/plot.py reads, the
// tables, predicted beside measured, and the progress bar's text.
#include "tools/llm-bench/BenchReport.h"
#include "tools/llm-bench/Progress.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace llmc;
using namespace llmc::bench;

namespace {

BenchResult latencyResult() {
  Clock::time_point sent = Clock::now();
  CompletedRequest r;
  r.promptTokens = 128;
  r.metrics = RequestMetrics::fromTimestamps(
      sent, {sent + std::chrono::milliseconds(20),
             sent + std::chrono::milliseconds(30),
             sent + std::chrono::milliseconds(40)});
  BenchResult result;
  result.workload = "latency";
  result.label = "prompt 128 / output 3";
  result.prompt = 128;
  result.output = 3;
  result.concurrency = 1;
  result.run.requests = {r};
  result.run.counters.gpuBusyFraction = 0.97;
  result.run.counters.meanGapMs = 0.012;
  result.predictedTtftSeconds = 0.016;
  result.predictedTpotSeconds = 0.008;
  result.derived["weight_bandwidth_fraction_of_copy"] = 0.8;
  return result;
}

/// The cells after `name` on the row of the table whose header line starts
/// with `header` (cells are separated by runs of spaces).
std::vector<std::string> rowCells(const std::string &text,
                                  const std::string &header,
                                  const std::string &name) {
  size_t at = text.find("\n" + header);
  if (at == std::string::npos && text.rfind(header, 0) == 0)
    at = 0;
  if (at == std::string::npos)
    return {};
  at = text.find("\n" + name, at + 1);
  if (at == std::string::npos)
    return {};
  at += 1 + name.size();
  std::istringstream line(text.substr(at, text.find('\n', at) - at));
  std::vector<std::string> cells;
  for (std::string cell; line >> cell;)
    cells.push_back(cell);
  return cells;
}

const std::string kName = "latency prompt 128 / output 3";

} // namespace

TEST(BenchReport, JsonCarriesWhatThePlotsRead) {
  BenchReport report;
  report.header = {{"tool", "llm-bench"}, {"engine", "tiny.llmc"}};
  report.results = {latencyResult()};
  report.comparisons = {{"continuous / static output tokens/s", 2.5}};
  nlohmann::json j = toJson(report);
  EXPECT_EQ(j["tool"], "llm-bench");
  const nlohmann::json &r = j["results"][0];
  EXPECT_EQ(r["workload"], "latency");
  EXPECT_EQ(r["mode"], "continuous");
  EXPECT_EQ(r["params"]["prompt"], 128);
  EXPECT_EQ(r["params"]["requests"], 1);
  EXPECT_NEAR(r["latency"]["ttft"]["mean"].get<double>(), 0.020, 1e-9);
  EXPECT_NEAR(r["latency"]["tpot"]["median"].get<double>(), 0.010, 1e-9);
  EXPECT_EQ(r["latency"]["itl"]["count"], 2);
  EXPECT_NEAR(r["throughput"]["output_tokens_per_second"].get<double>(),
              3 / 0.040, 1e-6);
  EXPECT_DOUBLE_EQ(r["engine"]["gpu_busy_fraction"].get<double>(), 0.97);
  EXPECT_DOUBLE_EQ(
      r["derived"]["weight_bandwidth_fraction_of_copy"].get<double>(), 0.8);
  EXPECT_TRUE(r["estimate"].is_null());
  EXPECT_EQ(j["comparisons"][0]["value"], 2.5);
}

TEST(BenchReport, TablesShowPredictedBesideMeasured) {
  BenchReport report;
  report.results = {latencyResult()};
  report.comparisons = {{"continuous / static output tokens/s", 2.5}};
  const std::string text = formatReport(report);
  // Predicted TTFT 16 ms against 20 ms measured; TPOT 8 against 10.
  EXPECT_EQ(rowCells(text, "predicted", kName),
            (std::vector<std::string>{"16.00", "20.00", "1.25", "8.00", "10.00",
                                      "1.25"}))
      << text;
  // 3 tokens in 40 ms; 131 tokens in 40 ms; 1 request in 40 ms; the one
  // request's decode: 2 tokens in 20 ms; busy 97%, gap 0.012 ms.
  EXPECT_EQ(rowCells(text, "throughput", kName),
            (std::vector<std::string>{"75.0", "3275.0", "25.00", "100.0",
                                      "97.0", "0.012", "0", "0"}))
      << text;
  EXPECT_NE(text.find("continuous / static output tokens/s: 2.50"),
            std::string::npos);
}

/// A decode step of 30 MB and 0.06 GFLOP whose floors are 10 us of copying
/// and 2 us of matrix work, beside latencyResult()'s 10 ms TPOT.
StepFloor decodeFloor(bool withCeilings) {
  StepFloor floor;
  floor.step = FloorStep::Decode;
  floor.bytes = 30e6;
  floor.flops = 0.06e9;
  if (withCeilings) {
    floor.byteSeconds = 10e-6;
    floor.flopSeconds = 2e-6;
  }
  floor.measuredSeconds = 0.010;
  return floor;
}

TEST(BenchReport, FloorSitsBesideTheMeasuredStep) {
  BenchResult result = latencyResult();
  result.floor = decodeFloor(/*withCeilings=*/true);
  BenchReport report;
  report.results = {result};
  const std::string text = formatReport(report);
  // 10 ms measured against a 10 us byte floor: 1000 times the floor.
  EXPECT_EQ(
      rowCells(text, "floor", kName),
      (std::vector<std::string>{"decode", "step", "30.00", "0.060", "0.010",
                                "0.002", "0.010", "10.000", "1000.00"}))
      << text;
  // The floor's figures join the derived ones in the JSON report, and only
  // there: the table already prints them.
  const nlohmann::json derived = toJson(result)["derived"];
  EXPECT_DOUBLE_EQ(derived["decode_step_bytes_floor"].get<double>(), 30e6);
  EXPECT_DOUBLE_EQ(derived["decode_step_time_floor_seconds"].get<double>(),
                   10e-6);
  EXPECT_NEAR(derived["decode_step_time_over_floor"].get<double>(), 1000, 1e-9);
  EXPECT_DOUBLE_EQ(derived["weight_bandwidth_fraction_of_copy"].get<double>(),
                   0.8);
  EXPECT_EQ(text.find(": decode_step_"), std::string::npos) << text;
}

TEST(BenchReport, FloorWithoutCeilingsPrintsTheWorkAlone) {
  BenchResult result = latencyResult();
  result.floor = decodeFloor(/*withCeilings=*/false);
  BenchReport report;
  report.results = {result};
  const std::string text = formatReport(report);
  EXPECT_EQ(rowCells(text, "floor", kName),
            (std::vector<std::string>{"decode", "step", "30.00", "0.060", "-",
                                      "-", "-", "10.000", "-"}))
      << text;
  EXPECT_FALSE(
      toJson(result)["derived"].contains("decode_step_time_floor_seconds"));
}

TEST(BenchReport, NoFloorNoFloorTable) {
  BenchReport report;
  report.results = {latencyResult()};
  EXPECT_EQ(formatReport(report).find("\nfloor "), std::string::npos);
}

TEST(BenchReport, UndefinedTpotPrintsADash) {
  BenchResult result = latencyResult();
  Clock::time_point sent = Clock::now();
  result.run.requests[0].metrics = RequestMetrics::fromTimestamps(
      sent, {sent + std::chrono::milliseconds(20)});
  result.predictedTpotSeconds = 0;
  BenchReport report;
  report.results = {result};
  const std::string text = formatReport(report);
  // TTFT and E2E are defined, TPOT and ITL are not.
  EXPECT_EQ(
      rowCells(text, "latency (ms)", kName),
      (std::vector<std::string>{"1", "20.00", "20.00", "20.00", "20.00", "-",
                                "-", "-", "-", "-", "-", "20.00", "20.00"}))
      << text;
}

TEST(Progress, BarShowsTheDoneShare) {
  EXPECT_EQ(renderProgress("decode", 6, 24),
            "decode  [######------------------]  6/24");
  EXPECT_EQ(renderProgress("x", 0, 0), "x  [########################]  0/0");
}
