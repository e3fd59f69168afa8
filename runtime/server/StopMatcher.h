// StopMatcher: finds stop strings in generated text that arrives in pieces
// (one detokenized token at a time), so a stop string split across tokens is
// still found. Text that might be the start of a stop string is held back
// until it is known not to be, so a stop string is never streamed, not even
// in part; the text before it is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace llmc::server {

class StopMatcher {
public:
  explicit StopMatcher(std::vector<std::string> stops);

  /// Adds `text`; returns the text that can be emitted now. Once a stop
  /// string is found, returns the text before it and stopped() is true;
  /// later calls return nothing.
  std::string push(std::string_view text);
  /// The text held back, at the end of the generation.
  std::string flush();
  bool stopped() const { return stopped_; }

private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

} // namespace llmc::server
