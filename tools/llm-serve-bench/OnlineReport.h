// OnlineReport: what llm-serve-bench makes of its rows: the server counters
// it scrapes from /metrics around each row (and what a row's window of them
// says: the prefix-cache hit rate and the device's busy share), the text
// table, and the JSON report that bench/plot.py draws.
//
// JSON report (--json FILE):
//   {"tool": "llm-serve-bench", "url", "settings": {...},
//    "results": [{"workload": "poisson" | "concurrency" | "multi-turn",
//                 "label", "params": {"rate" (requests/s, null: all at
//                 once), "concurrency", "turn", "requests"}, "failed",
//                 "latency": {"ttft", "tpot", "itl", "e2e"} (seconds, the
//                 distributions of llm-bench's reports), "throughput":
//                 {"seconds", "output_tokens_per_second",
//                 "total_tokens_per_second", "requests_per_second"},
//                 "goodput_per_second", "prefix_hit_rate",
//                 "device_busy_fraction" (null when unknown)}]}
#pragma once

#include "runtime/metrics/LatencySummary.h"
#include "runtime/metrics/Throughput.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::bench {

/// The server's cumulative counters at one moment; -1 where the page lacks
/// one (a server other than llm-serve).
struct ServerCounters {
  double prefixQueried = -1, prefixHits = -1;
  double deviceBusySeconds = -1, wallSeconds = -1;

  /// Reads the counters from a Prometheus text page.
  static ServerCounters parse(const std::string &page);
};

/// The prefix-cache hit rate between two scrapes, -1 when unknown or when
/// no prompt token was looked up.
double prefixHitRate(const ServerCounters &before, const ServerCounters &after);
/// The device's busy share between two scrapes: busy seconds over wall
/// seconds of the engine loop, -1 when unknown.
double deviceBusyShare(const ServerCounters &before,
                       const ServerCounters &after);

struct OnlineRow {
  std::string workload; ///< "poisson", "concurrency" or "multi-turn"
  std::string label;
  double rate = 0;     ///< poisson: requests/s (inf: all at once)
  int concurrency = 0; ///< concurrency: clients
  int turn = 0;        ///< multi-turn: 1-based
  int64_t requests = 0;
  int64_t failed = 0;
  std::string firstError;
  LatencySummary latency;
  Throughput throughput;
  double goodput = 0;        ///< requests/s within both SLOs
  double prefixHitRate = -1; ///< multi-turn: the server's, over the row
  double deviceBusy = -1;    ///< the server's busy share over the row
};

/// The rows as an aligned text table.
std::string formatRows(const std::string &title,
                       const std::vector<OnlineRow> &rows);

/// One row of the JSON report.
nlohmann::json toJson(const OnlineRow &row);

} // namespace llmc::bench
