// The stderr progress bar.
#include "tools/llm-bench/Progress.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace llmc::bench {

namespace {
constexpr int kBarWidth = 24;
} // namespace

std::string renderProgress(const std::string &label, int64_t done,
                           int64_t total, double elapsedSeconds) {
  const double fraction =
      total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const int filled = int(fraction * kBarWidth + 0.5);
  char tail[64];
  std::snprintf(tail, sizeof(tail), "  %lld/%lld  %.1f s", (long long)done,
                (long long)total, elapsedSeconds);
  return label + "  [" + std::string(size_t(filled), '#') +
         std::string(size_t(kBarWidth - filled), '-') + "]" + tail;
}

Progress::Progress(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total),
      active_(enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), lastDraw_(start_) {
  update(0);
}

Progress::~Progress() { finish(); }

void Progress::update(int64_t done) {
  if (!active_ || done == shown_)
    return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most every 100 ms (and always at the end): drawing competes
  // with the engine for the CPU.
  if (done != total_ && shown_ >= 0 &&
      now - lastDraw_ < std::chrono::milliseconds(100))
    return;
  shown_ = done;
  lastDraw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r%s\033[K",
               renderProgress(label_, done, total_, elapsed).c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (!active_)
    return;
  update(total_);
  std::fputc('\n', stderr);
  active_ = false;
}

} // namespace llmc::bench
