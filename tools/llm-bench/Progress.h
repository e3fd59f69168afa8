// Progress: a one-line progress bar on stderr while a benchmark runs
// ("decode batch 64  [#########-----------]  41/64  3.2 s"), redrawn in place.
// It draws only on a terminal, so logs and lit tests stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace llmc::bench {

/// The bar's text for `done` of `total` after `elapsedSeconds`.
std::string renderProgress(const std::string &label, int64_t done,
                           int64_t total, double elapsedSeconds);

class Progress {
public:
  /// Draws nothing unless `enabled` and stderr is a terminal.
  Progress(std::string label, int64_t total, bool enabled);
  ~Progress();
  void update(int64_t done);
  /// Ends the line (called by the destructor when not called before).
  void finish();

private:
  std::string label_;
  int64_t total_;
  bool active_;
  int64_t shown_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point lastDraw_;
};

} // namespace llmc::bench
