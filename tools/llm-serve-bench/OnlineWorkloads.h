// The online workloads of llm-serve-bench, driven against a running server:
//   poisson      open loop: requests arrive at exponential intervals at each
//                given rate (requests/s; "inf" sends them all at once);
//   concurrency  closed loop: N clients each send their next request when
//                the last one ended, for each N of the sweep;
//   multi-turn   chat conversations whose every turn resends the whole
//                history, the workload a prefix cache is for: the table
//                shows TTFT per turn and the server's prefix-cache hit rate.
// Each row reports TTFT / TPOT / ITL / E2E percentiles, throughput, goodput
// (completed requests per second that met both SLOs) and, from the server's
// /metrics scraped before and after the row, the device's busy share over
// the row's window (OnlineReport.h).
#pragma once

#include "OnlineReport.h"
#include "StreamClient.h"

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

std::vector<OnlineRow> runPoisson(const OnlineSettings &settings,
                                  const std::vector<double> &rates);
std::vector<OnlineRow> runConcurrency(const OnlineSettings &settings,
                                      const std::vector<int> &levels);
/// One row per turn index.
std::vector<OnlineRow> runMultiTurn(const OnlineSettings &settings);

} // namespace llmc::bench
