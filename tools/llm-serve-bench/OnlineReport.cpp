// The server counters, text table and JSON report of llm-serve-bench.
#include "OnlineReport.h"

#include "tools/llm-bench/BenchReport.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace llmc::bench {

using nlohmann::json;

ServerCounters ServerCounters::parse(const std::string &page) {
  // A sample line is "NAME VALUE" at the start of a line.
  auto value = [&](const std::string &name) {
    const std::string key = name + " ";
    for (size_t at = page.find(key); at != std::string::npos;
         at = page.find(key, at + 1))
      if (at == 0 || page[at - 1] == '\n')
        return std::atof(page.c_str() + at + key.size());
    return -1.0;
  };
  ServerCounters c;
  c.prefixQueried = value("llmc_prefix_cache_queries_total");
  c.prefixHits = value("llmc_prefix_cache_hits_total");
  c.deviceBusySeconds = value("llmc_device_busy_seconds_total");
  c.wallSeconds = value("llmc_engine_wall_seconds_total");
  return c;
}

double prefixHitRate(const ServerCounters &before,
                     const ServerCounters &after) {
  if (before.prefixQueried < 0 || after.prefixQueried <= before.prefixQueried)
    return -1;
  return (after.prefixHits - before.prefixHits) /
         (after.prefixQueried - before.prefixQueried);
}

double deviceBusyShare(const ServerCounters &before,
                       const ServerCounters &after) {
  if (before.deviceBusySeconds < 0 || after.deviceBusySeconds < 0 ||
      before.wallSeconds < 0 || after.wallSeconds <= before.wallSeconds)
    return -1;
  return (after.deviceBusySeconds - before.deviceBusySeconds) /
         (after.wallSeconds - before.wallSeconds);
}

namespace {

/// "42%" or "-" when unknown.
std::string percent(double share) {
  if (share < 0)
    return "-";
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", share * 100);
  return text;
}

json orNull(double value) { return value < 0 ? json(nullptr) : json(value); }

} // namespace

std::string formatRows(const std::string &title,
                       const std::vector<OnlineRow> &rows) {
  std::string out = title + "\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "%-16s %5s %4s %8s %9s %8s %8s %8s %8s %8s %8s %8s %8s %9s "
                "%6s %5s\n",
                "workload", "done", "fail", "req/s", "out tok/s", "TTFT p50",
                "TTFT p90", "TTFT p99", "TPOT p50", "TPOT p90", "ITL p50",
                "ITL p99", "E2E p50", "goodput/s", "prefix", "busy");
  out += line;
  for (const OnlineRow &r : rows) {
    const LatencySummary &l = r.latency;
    std::snprintf(line, sizeof line,
                  "%-16s %5lld %4lld %8.2f %9.1f %8.1f %8.1f %8.1f %8.2f "
                  "%8.2f %8.2f %8.2f %8.1f %9.2f %6s %5s\n",
                  r.label.c_str(), (long long)(r.requests - r.failed),
                  (long long)r.failed, r.throughput.requestsPerSecond,
                  r.throughput.outputTokensPerSecond, l.ttft.median * 1e3,
                  l.ttft.p90 * 1e3, l.ttft.p99 * 1e3, l.tpot.median * 1e3,
                  l.tpot.p90 * 1e3, l.itl.median * 1e3, l.itl.p99 * 1e3,
                  l.e2e.median * 1e3, r.goodput,
                  percent(r.prefixHitRate).c_str(),
                  percent(r.deviceBusy).c_str());
    out += line;
    if (!r.firstError.empty())
      out += "  first failure: " + r.firstError + "\n";
  }
  return out + "(latencies in ms; busy: the server's device-busy share over "
               "the row)\n";
}

json toJson(const OnlineRow &r) {
  json params = {{"requests", r.requests}};
  if (r.workload == "poisson")
    params["rate"] = std::isinf(r.rate) ? json(nullptr) : json(r.rate);
  if (r.workload == "concurrency")
    params["concurrency"] = r.concurrency;
  if (r.workload == "multi-turn")
    params["turn"] = r.turn;
  json row = {
      {"workload", r.workload},
      {"label", r.label},
      {"params", params},
      {"failed", r.failed},
      {"latency",
       {{"ttft", toJson(r.latency.ttft)},
        {"tpot", toJson(r.latency.tpot)},
        {"itl", toJson(r.latency.itl)},
        {"e2e", toJson(r.latency.e2e)}}},
      {"throughput",
       {{"seconds", r.throughput.seconds},
        {"output_tokens_per_second", r.throughput.outputTokensPerSecond},
        {"total_tokens_per_second", r.throughput.totalTokensPerSecond},
        {"requests_per_second", r.throughput.requestsPerSecond}}},
      {"goodput_per_second", r.goodput},
      {"prefix_hit_rate", orNull(r.prefixHitRate)},
      {"device_busy_fraction", orNull(r.deviceBusy)}};
  if (!r.firstError.empty())
    row["first_error"] = r.firstError;
  return row;
}

} // namespace llmc::bench
