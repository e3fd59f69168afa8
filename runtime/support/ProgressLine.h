// ProgressLine: what a tool is doing, on one self-rewriting stderr line
// ("[  3.1s] compiling 3 modules for sm_90a [2/3]"), for people watching a
// terminal: llm-compile's stages, llm-bench's progress bars. Silent when
// stderr is not a terminal or when asked to be, so logs and tests see only the
// tool's real output. Thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace llmc {

class ProgressLine {
public:
  /// Writes to `stream` when `enabled`.
  ProgressLine(bool enabled, std::FILE *stream = stderr);
  /// Enabled when stderr is a terminal and not `quiet`.
  static ProgressLine forTerminal(bool quiet);
  ~ProgressLine();

  /// Starts a stage: ends the previous one's line, shows `text`.
  void stage(const std::string &text);
  /// Replaces the current stage's text (counters within a stage).
  void update(const std::string &text);
  /// Ends the current line, leaving the last text on screen.
  void finish();

  double elapsedSeconds() const;

private:
  void show(const std::string &text);

  bool enabled_;
  std::FILE *stream_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  bool lineOpen_ = false;
};

} // namespace llmc
