// llm-serve-bench's report: the counters it reads from a /metrics page, the
// prefix hit rate and device-busy share of a row's window between two
// scrapes, the table's busy column and the JSON row bench/plot.py reads.
#include "tools/llm-serve-bench/OnlineReport.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llmc;
using namespace llmc::bench;

namespace {

std::string page(double busy, double wall, double queried, double hits) {
  // The shape llm-serve writes: HELP/TYPE lines, and a gauge whose name
  // starts like a counter's.
  return "# HELP llmc_device_busy_ratio Share\n"
         "# TYPE llmc_device_busy_ratio gauge\n"
         "llmc_device_busy_ratio 0.5\n"
         "llmc_prefix_cache_queries_total " +
         std::to_string(queried) +
         "\n"
         "llmc_prefix_cache_hits_total " +
         std::to_string(hits) +
         "\n"
         "# TYPE llmc_device_busy_seconds_total counter\n"
         "llmc_device_busy_seconds_total " +
         std::to_string(busy) +
         "\n"
         "llmc_engine_wall_seconds_total " +
         std::to_string(wall) + "\n";
}

TEST(OnlineReport, ReadsTheServerCountersFromAMetricsPage) {
  const ServerCounters c = ServerCounters::parse(page(1.5, 100.25, 40, 10));
  EXPECT_DOUBLE_EQ(c.deviceBusySeconds, 1.5);
  EXPECT_DOUBLE_EQ(c.wallSeconds, 100.25);
  EXPECT_DOUBLE_EQ(c.prefixQueried, 40);
  EXPECT_DOUBLE_EQ(c.prefixHits, 10);
  // A server without them: every counter unknown.
  const ServerCounters none = ServerCounters::parse("other_metric 3\n");
  EXPECT_EQ(none.deviceBusySeconds, -1);
  EXPECT_EQ(none.wallSeconds, -1);
}

TEST(OnlineReport, BusyShareIsTheWindowsBusyOverItsWall) {
  // 60 s idle before the row: a cumulative ratio would read 9 / 70 here;
  // over the row's 10 s window the device was busy 9.9 s of 10.
  const ServerCounters before = ServerCounters::parse(page(0.1, 60, 0, 0));
  const ServerCounters after = ServerCounters::parse(page(10.0, 70, 0, 0));
  EXPECT_NEAR(deviceBusyShare(before, after), 0.99, 1e-12);
  EXPECT_EQ(deviceBusyShare(ServerCounters{}, after), -1);
  EXPECT_EQ(deviceBusyShare(after, after), -1); // no wall time passed
}

TEST(OnlineReport, PrefixHitRateIsTheWindowsHitsOverItsQueries) {
  const ServerCounters before = ServerCounters::parse(page(0, 1, 100, 20));
  const ServerCounters after = ServerCounters::parse(page(0, 2, 200, 95));
  EXPECT_DOUBLE_EQ(prefixHitRate(before, after), 0.75);
  EXPECT_EQ(prefixHitRate(after, after), -1);
}

OnlineRow row(const std::string &workload, double busy) {
  OnlineRow r;
  r.workload = workload;
  r.label = workload == "poisson" ? "rate inf" : "concurrency 64";
  r.rate = INFINITY;
  r.concurrency = 64;
  r.requests = 8;
  r.latency.ttft.count = 8;
  r.latency.ttft.median = 0.012;
  r.throughput.outputTokensPerSecond = 5000;
  r.deviceBusy = busy;
  return r;
}

TEST(OnlineReport, TableShowsTheBusyShareOfEachRow) {
  const std::string table =
      formatRows("title", {row("concurrency", 0.987), row("poisson", -1)});
  EXPECT_NE(table.find(" busy\n"), std::string::npos) << table;
  const size_t saturated = table.find("concurrency 64");
  ASSERT_NE(saturated, std::string::npos);
  const std::string line =
      table.substr(saturated, table.find('\n', saturated) - saturated);
  EXPECT_EQ(line.substr(line.size() - 4), " 99%") << line;
  const size_t unknown = table.find("rate inf");
  const std::string other =
      table.substr(unknown, table.find('\n', unknown) - unknown);
  EXPECT_EQ(other.substr(other.size() - 2), " -") << other;
}

TEST(OnlineReport, JsonRowCarriesItsWorkloadParamsAndBusyShare) {
  nlohmann::json j = toJson(row("concurrency", 0.987));
  EXPECT_EQ(j["workload"], "concurrency");
  EXPECT_EQ(j["params"]["concurrency"], 64);
  EXPECT_FALSE(j["params"].contains("rate"));
  EXPECT_DOUBLE_EQ(j["device_busy_fraction"].get<double>(), 0.987);
  EXPECT_DOUBLE_EQ(j["latency"]["ttft"]["median"].get<double>(), 0.012);
  EXPECT_DOUBLE_EQ(j["throughput"]["output_tokens_per_second"].get<double>(),
                   5000);
  EXPECT_TRUE(j["prefix_hit_rate"].is_null());
  // An open-loop row sent all at once has no finite rate.
  nlohmann::json poisson = toJson(row("poisson", -1));
  EXPECT_TRUE(poisson["params"]["rate"].is_null());
  EXPECT_TRUE(poisson["device_busy_fraction"].is_null());
}

} // namespace
