// The progress line.
#include "runtime/support/ProgressLine.h"

#include <unistd.h>

namespace llmc {

ProgressLine::ProgressLine(bool enabled, std::FILE *stream)
    : enabled_(enabled), stream_(stream),
      start_(std::chrono::steady_clock::now()) {}

ProgressLine ProgressLine::forTerminal(bool quiet) {
  return ProgressLine(!quiet && isatty(fileno(stderr)) == 1);
}

ProgressLine::~ProgressLine() { finish(); }

double ProgressLine::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start_)
      .count();
}

void ProgressLine::stage(const std::string &text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_)
    return;
  if (lineOpen_)
    std::fputc('\n', stream_);
  lineOpen_ = false;
  show(text);
}

void ProgressLine::update(const std::string &text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (enabled_)
    show(text);
}

void ProgressLine::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (enabled_ && lineOpen_)
    std::fputc('\n', stream_);
  lineOpen_ = false;
}

void ProgressLine::show(const std::string &text) {
  // Back to the line's start, clear it, write the new text.
  std::fprintf(stream_, "\r\033[K[%6.1fs] %s", elapsedSeconds(), text.c_str());
  std::fflush(stream_);
  lineOpen_ = true;
}

} // namespace llmc
