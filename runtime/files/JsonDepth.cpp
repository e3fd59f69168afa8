// checkJsonDepth: one pass over the bytes, tracking strings and escapes.
#include "runtime/files/JsonDepth.h"

namespace llmc {

Status checkJsonDepth(std::string_view text, const std::string &source,
                      int maxDepth) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return Status::error(source + ": JSON nests deeper than " +
                             std::to_string(maxDepth) + " levels (at byte " +
                             std::to_string(i) + ")");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return Status::ok();
}

} // namespace llmc
