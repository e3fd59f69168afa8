// CudaWriter: writes CUDA source one line at a time with the current
// indentation, so that emitters state statements rather than splice strings.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace llmc::codegen {

class CudaWriter {
public:
  /// Writes the concatenation of `parts` as one line at the current indent.
  template <typename... Parts> void line(const Parts &...parts) {
    out_ << std::string(indent_ * 2, ' ');
    (out_ << ... << parts);
    out_ << '\n';
  }
  /// "// text" at the current indent (text without a line break).
  void comment(const std::string &text) {
    line(text.empty() ? "//" : "// " + text);
  }
  void blank() { out_ << '\n'; }
  void indent() { ++indent_; }
  void dedent() { --indent_; }

  std::string str() const { return out_.str(); }

private:
  std::ostringstream out_;
  int indent_ = 0;
};

/// "A, B, C".
inline std::string joinList(const std::vector<std::string> &items,
                            const char *separator = ", ") {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i)
    text += (i ? separator : "") + items[i];
  return text;
}

} // namespace llmc::codegen
