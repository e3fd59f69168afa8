// TextTable: the plain-text tables llm-bench prints: columns padded to their
// widest cell, the first left-aligned and the others right-aligned.
#pragma once

#include <string>
#include <vector>

namespace llmc::bench {

/// One line per row; rows may have different lengths.
std::string formatTable(const std::vector<std::vector<std::string>> &rows);

/// `value` with `decimals` digits after the point, e.g. "12.35".
std::string fixedPoint(double value, int decimals);

} // namespace llmc::bench
