// RunRecord: what one benchmark run observed — every request's timing, the
// engine's counters — and the numbers derived from it: the latency summary,
// the throughput over the run's wall time, and the steady decode rate while
// every request of a batch was decoding.
#pragma once

#include "runtime/metrics/LatencySummary.h"
#include "runtime/metrics/RequestMetrics.h"
#include "runtime/metrics/Throughput.h"

#include <cstdint>
#include <vector>

namespace llmc::bench {

/// The engine's own measurements over the run (Engine::stats()).
struct EngineCounters {
  double gpuBusyFraction = 0;
  double meanGapMs = 0; ///< GPU idle time between consecutive steps
  int64_t steps = 0;
  int64_t decodeSteps = 0;
  int64_t preemptions = 0;
  uint64_t hostToDeviceCopies = 0;
};

struct CompletedRequest {
  int64_t promptTokens = 0;
  double sentSeconds = 0; ///< when it was submitted, from the run's start
  RequestMetrics metrics;
};

/// The window in which every request of a run was decoding: from the last
/// first token to the first last token.
struct DecodeWindow {
  double seconds = 0; ///< 0: there was no such window
  int64_t tokens = 0; ///< tokens streamed inside it, all requests together
  double tokensPerSecond() const {
    return seconds > 0 ? double(tokens) / seconds : 0;
  }
};

struct RunRecord {
  std::vector<CompletedRequest> requests;
  EngineCounters counters;

  /// From the first submission to the last token.
  double wallSeconds() const;
  LatencySummary latency() const;
  Throughput throughput() const;
  DecodeWindow steadyDecode() const;
};

} // namespace llmc::bench
