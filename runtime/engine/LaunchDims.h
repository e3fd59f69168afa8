// LaunchDims: the launch-dimension expressions of an engine's grids.
//
// A kernel's grid depends on sizes known only when a phase runs (how many
// token rows, how many sequences, the longest prefill chunk), so the compiler
// writes each grid dimension as a small expression over those sizes and the
// runtime evaluates it before every launch. The grammar is deliberately tiny:
//
//   dim     := INT | SYM | ceildiv | INT '*' ceildiv
//   ceildiv := 'ceildiv' '(' [INT '*'] SYM ',' INT ')'
//   SYM     := 'rows' | 'seqs' | 'max_chunk_rows'
//
// INT is a positive decimal integer; blanks between tokens are ignored. Every
// form is `multiplier * ceildiv(scale * SYM, divisor)` with some factors 1, or
// a constant, which is how LaunchDim stores it.
//
// This file is MLIR-free: the compiler's verifier parses these strings, the
// runtime evaluates them.
#pragma once

#include "runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llmc {

/// The run-time sizes a launch dimension may depend on.
enum class LaunchSymbol {
  Rows,         ///< token rows of the run ("rows")
  Seqs,         ///< sequences in a prefill batch ("seqs")
  MaxChunkRows, ///< rows of the longest prefill chunk ("max_chunk_rows")
};

/// The grammar's spelling of `symbol`.
const char *launchSymbolName(LaunchSymbol symbol);

/// Values of the symbols for one run of a phase.
struct LaunchSizes {
  int64_t rows = 0;
  int64_t seqs = 0;
  int64_t maxChunkRows = 0;

  int64_t get(LaunchSymbol symbol) const;
};

/// One parsed grid dimension: a constant, or
/// multiplier * ceildiv(scale * symbol, divisor).
class LaunchDim {
public:
  /// A dimension that does not depend on the run. `value` must be positive.
  static LaunchDim constant(int64_t value);
  /// multiplier * ceildiv(scale * symbol, divisor); factors must be positive.
  static LaunchDim symbolic(LaunchSymbol symbol, int64_t scale = 1,
                            int64_t divisor = 1, int64_t multiplier = 1);

  bool isConstant() const { return isConstant_; }
  /// Only meaningful when !isConstant().
  LaunchSymbol symbol() const { return symbol_; }

  /// The dimension for these sizes. A symbol of 0 gives 0 (nothing to launch).
  int64_t evaluate(const LaunchSizes &sizes) const;
  /// evaluate() for sizes read from an untrusted file: nullopt when the
  /// value would pass int64 (a manifest's factors may be up to 2^31 each).
  std::optional<int64_t> evaluateChecked(const LaunchSizes &sizes) const;

  /// The canonical text of the grammar; parseLaunchDim(str()) == *this.
  std::string str() const;

  bool operator==(const LaunchDim &other) const;
  bool operator!=(const LaunchDim &other) const { return !(*this == other); }

private:
  LaunchDim() = default;

  bool isConstant_ = true;
  int64_t constant_ = 1;
  LaunchSymbol symbol_ = LaunchSymbol::Rows;
  int64_t scale_ = 1;
  int64_t divisor_ = 1;
  int64_t multiplier_ = 1;
};

/// Parses one grid dimension. Errors quote the text and say what was expected
/// at which column (1-based).
StatusOr<LaunchDim> parseLaunchDim(const std::string &text);

} // namespace llmc
