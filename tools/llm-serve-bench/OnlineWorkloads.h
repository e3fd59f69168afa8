// The online workloads of llm-serve-bench, driven against a running server:
//   poisson      open loop: requests arrive at exponential intervals at each
//                given rate (requests/s; "inf" sends them all at once);
//   concurrency  closed loop: N clients each send their next request when
//                the last one ended, for each N of the sweep;
//   multi-turn   chat conversations whose every turn resends the whole
//                history, the workload a prefix cache is for: the table
//                shows TTFT per turn and the server's prefix-cache hit rate.
// Each row reports TTFT / TPOT / ITL / E2E percentiles, throughput and
// goodput (completed requests per second that met both SLOs).
#pragma once

#include "StreamClient.h"

#include "runtime/metrics/LatencySummary.h"
#include "runtime/metrics/Throughput.h"

#include <string>
#include <vector>

namespace llmc::bench {

struct OnlineSettings {
  ServerAddress server;
  std::string model; ///< "" lets the server pick
  int32_t promptWords = 32;
  int32_t outputTokens = 64;
  int64_t requests = 64; ///< per row
  uint64_t seed = 1;
  double sloTtftMs = 1000;
  double sloTpotMs = 100;
  int32_t turns = 4;         ///< multi-turn: turns per conversation
  int32_t conversations = 8; ///< multi-turn: conversations at once
};

struct OnlineRow {
  std::string label;
  int64_t requests = 0;
  int64_t failed = 0;
  std::string firstError;
  LatencySummary latency;
  Throughput throughput;
  double goodput = 0;        ///< requests/s within both SLOs
  double prefixHitRate = -1; ///< multi-turn: the server's, over the row
};

std::vector<OnlineRow> runPoisson(const OnlineSettings &settings,
                                  const std::vector<double> &rates);
std::vector<OnlineRow> runConcurrency(const OnlineSettings &settings,
                                      const std::vector<int> &levels);
/// One row per turn index.
std::vector<OnlineRow> runMultiTurn(const OnlineSettings &settings);

/// The rows as an aligned text table.
std::string formatRows(const std::string &title,
                       const std::vector<OnlineRow> &rows);

} // namespace llmc::bench
