// Progress: a progress bar on the progress line while a benchmark runs
// ("[   3.2s] decode batch 64  [#########-----------]  41/64"), redrawn in
// place. It draws only on a terminal, so logs and lit tests stay clean.
#pragma once

#include "runtime/support/ProgressLine.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace llmc::bench {

/// The bar's text for `done` of `total` (the line shows the elapsed time).
std::string renderProgress(const std::string &label, int64_t done,
                           int64_t total);

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
  ProgressLine line_;
  bool finished_ = false;
  int64_t shown_ = -1;
  std::chrono::steady_clock::time_point lastDraw_;
};

} // namespace llmc::bench
