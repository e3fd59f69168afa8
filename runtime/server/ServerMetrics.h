// ServerMetrics: what GET /metrics reports, in Prometheus' text format:
// request and token counters, TTFT / TPOT / ITL / E2E histograms, and the
// engine's load (queue depth, running slots, KV blocks, prefix-cache hits,
// preemptions) sampled when the page is rendered. Thread-safe.
#pragma once

#include "runtime/api/Engine.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace llmc::server {

/// Cumulative buckets over fixed upper bounds, in seconds.
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  /// The _bucket, _sum and _count lines of `name`.
  void write(std::string &out, const std::string &name) const;

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_; ///< per bound, plus +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class ServerMetrics {
public:
  ServerMetrics();

  /// A request answered with `status` (any endpoint's).
  void countResponse(int status);
  /// A generation that ended (finished, stopped or cancelled).
  void recordGeneration(const RequestMetrics &m, int64_t promptTokens,
                        int64_t completionTokens, const std::string &reason);

  std::string render(const Engine &engine, int64_t openConnections) const;

private:
  mutable std::mutex mutex_;
  std::map<int, uint64_t> responses_;
  std::map<std::string, uint64_t> finished_;
  uint64_t promptTokens_ = 0, completionTokens_ = 0;
  Histogram ttft_, tpot_, itl_, e2e_;
};

} // namespace llmc::server
