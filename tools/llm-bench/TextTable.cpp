// Padding llm-bench's table cells.
#include "tools/llm-bench/TextTable.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace llmc::bench {

std::string formatTable(const std::vector<std::vector<std::string>> &rows) {
  std::vector<size_t> widths;
  for (const auto &row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      widths.resize(std::max(widths.size(), row.size()));
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::ostringstream out;
  for (const auto &row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - row[i].size(), ' ');
      out << (i == 0 ? row[i] + pad : "  " + pad + row[i]);
    }
    out << "\n";
  }
  return out.str();
}

std::string fixedPoint(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

} // namespace llmc::bench
