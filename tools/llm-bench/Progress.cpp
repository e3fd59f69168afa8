// The benchmark's progress bar.
#include "tools/llm-bench/Progress.h"

#include <algorithm>
#include <cstdio>

namespace llmc::bench {

namespace {
constexpr int kBarWidth = 24;
} // namespace

std::string renderProgress(const std::string &label, int64_t done,
                           int64_t total) {
  const double fraction =
      total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const int filled = int(fraction * kBarWidth + 0.5);
  return label + "  [" + std::string(size_t(filled), '#') +
         std::string(size_t(kBarWidth - filled), '-') + "]  " +
         std::to_string(done) + "/" + std::to_string(total);
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total),
      line_(ProgressLine::forTerminal(/*quiet=*/!enabled)) {
  update(0);
}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done) {
  if (finished_ || done == shown_)
    return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most every 100 ms (and always at the end): drawing competes
  // with the engine for the CPU.
  if (done != total_ && shown_ >= 0 &&
      now - lastDraw_ < std::chrono::milliseconds(100))
    return;
  shown_ = done;
  lastDraw_ = now;
  line_.update(renderProgress(label_, done, total_));
}

void Progress::finish() {
  if (finished_)
    return;
  update(total_);
  line_.finish();
  finished_ = true;
}

} // namespace llmc::bench
