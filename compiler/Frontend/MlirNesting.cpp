// checkMlirNesting: one pass over the text, skipping strings and comments.
#include "compiler/Frontend/MlirNesting.h"

#include "runtime/files/RegularFile.h"

namespace llmc {

Status checkMlirNesting(std::string_view text, const std::string &source,
                        int maxDepth) {
  int depth = 0;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
        else if (text[i] == '\n')
          ++line;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n')
        ++i;
      --i; // the newline is counted above
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > maxDepth)
        return Status::error(source + ":" + std::to_string(line) +
                             ": nesting deeper than " +
                             std::to_string(maxDepth) +
                             " levels (brackets, regions, types); refusing "
                             "to parse it");
    } else if (c == ')' || c == ']' || c == '}' ||
               (c == '>' && !(i > 0 && text[i - 1] == '-'))) {
      if (depth > 0)
        --depth;
    }
  }
  return Status::ok();
}

Status checkMlirFileNesting(const std::string &path, int maxDepth) {
  LLMC_ASSIGN_OR_RETURN(std::string text, readRegularFile(path));
  return checkMlirNesting(text, path, maxDepth);
}

} // namespace llmc
