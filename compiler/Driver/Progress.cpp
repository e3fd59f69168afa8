// The progress line.
#include "compiler/Driver/Progress.h"

#include <unistd.h>

namespace llmc {

Progress::Progress(bool enabled, std::FILE *stream)
    : enabled_(enabled), stream_(stream),
      start_(std::chrono::steady_clock::now()) {}

Progress Progress::forTerminal(bool quiet) {
  return Progress(!quiet && isatty(fileno(stderr)) == 1);
}

Progress::~Progress() { finish(); }

double Progress::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start_)
      .count();
}

void Progress::stage(const std::string &text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_)
    return;
  if (lineOpen_)
    std::fputc('\n', stream_);
  lineOpen_ = false;
  show(text);
}

void Progress::update(const std::string &text) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (enabled_)
    show(text);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (enabled_ && lineOpen_)
    std::fputc('\n', stream_);
  lineOpen_ = false;
}

void Progress::show(const std::string &text) {
  // Back to the line's start, clear it, write the new text.
  std::fprintf(stream_, "\r\033[K[%6.1fs] %s", elapsedSeconds(), text.c_str());
  std::fflush(stream_);
  lineOpen_ = true;
}

} // namespace llmc
