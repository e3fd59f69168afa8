// Parsing and evaluation of launch-dimension expressions (grammar in the
// header). A hand-written tokenizer and recursive descent: the grammar has
// five forms, and the errors should point at the column that went wrong.
#include "runtime/engine/LaunchDims.h"

#include <cctype>
#include <limits>

namespace llmc {

const char *launchSymbolName(LaunchSymbol symbol) {
  switch (symbol) {
  case LaunchSymbol::Rows:
    return "rows";
  case LaunchSymbol::Seqs:
    return "seqs";
  case LaunchSymbol::MaxChunkRows:
    return "max_chunk_rows";
  }
  return "?";
}

int64_t LaunchSizes::get(LaunchSymbol symbol) const {
  switch (symbol) {
  case LaunchSymbol::Rows:
    return rows;
  case LaunchSymbol::Seqs:
    return seqs;
  case LaunchSymbol::MaxChunkRows:
    return maxChunkRows;
  }
  return 0;
}

LaunchDim LaunchDim::constant(int64_t value) {
  assert(value > 0 && "a constant launch dimension must be positive");
  LaunchDim dim;
  dim.constant_ = value;
  return dim;
}

LaunchDim LaunchDim::symbolic(LaunchSymbol symbol, int64_t scale,
                              int64_t divisor, int64_t multiplier) {
  assert(scale > 0 && divisor > 0 && multiplier > 0 &&
         "launch dimension factors must be positive");
  LaunchDim dim;
  dim.isConstant_ = false;
  dim.symbol_ = symbol;
  dim.scale_ = scale;
  dim.divisor_ = divisor;
  dim.multiplier_ = multiplier;
  return dim;
}

int64_t LaunchDim::evaluate(const LaunchSizes &sizes) const {
  if (isConstant_)
    return constant_;
  int64_t scaled = scale_ * sizes.get(symbol_);
  return multiplier_ * ((scaled + divisor_ - 1) / divisor_);
}

std::optional<int64_t>
LaunchDim::evaluateChecked(const LaunchSizes &sizes) const {
  if (isConstant_)
    return constant_;
  int64_t scaled, result;
  if (__builtin_mul_overflow(scale_, sizes.get(symbol_), &scaled) ||
      scaled > std::numeric_limits<int64_t>::max() - divisor_ ||
      __builtin_mul_overflow(multiplier_, (scaled + divisor_ - 1) / divisor_,
                             &result))
    return std::nullopt;
  return result;
}

std::string LaunchDim::str() const {
  if (isConstant_)
    return std::to_string(constant_);
  std::string symbol = launchSymbolName(symbol_);
  if (divisor_ == 1 && scale_ == 1 && multiplier_ == 1)
    return symbol;
  std::string text = "ceildiv(";
  if (scale_ != 1)
    text += std::to_string(scale_) + " * ";
  text += symbol + ", " + std::to_string(divisor_) + ")";
  if (multiplier_ != 1)
    text = std::to_string(multiplier_) + " * " + text;
  return text;
}

bool LaunchDim::operator==(const LaunchDim &other) const {
  if (isConstant_ != other.isConstant_)
    return false;
  if (isConstant_)
    return constant_ == other.constant_;
  return symbol_ == other.symbol_ && scale_ == other.scale_ &&
         divisor_ == other.divisor_ && multiplier_ == other.multiplier_;
}

namespace {

/// Recursive-descent parser over one expression; every error names the text
/// and the 1-based column of the offending token.
class LaunchDimParser {
public:
  explicit LaunchDimParser(const std::string &text) : text_(text) {}

  StatusOr<LaunchDim> parse() {
    skipBlanks();
    if (atEnd())
      return error("expected an integer, a size or ceildiv(...)");
    if (std::isdigit(static_cast<unsigned char>(peek()))) {
      LLMC_ASSIGN_OR_RETURN(int64_t value, parseInt());
      skipBlanks();
      if (atEnd())
        return LaunchDim::constant(value);
      if (peek() != '*')
        return error("expected '*' or the end after an integer");
      ++pos_;
      skipBlanks();
      LLMC_ASSIGN_OR_RETURN(std::string word, parseWord());
      if (word != "ceildiv")
        return errorAt(wordStart_,
                       "expected ceildiv(...) after 'INT *', found '" + word +
                           "'");
      return finish(parseCeildiv(value));
    }
    LLMC_ASSIGN_OR_RETURN(std::string word, parseWord());
    if (word == "ceildiv")
      return finish(parseCeildiv(1));
    LLMC_ASSIGN_OR_RETURN(LaunchSymbol symbol, symbolFor(word));
    return finish(LaunchDim::symbolic(symbol));
  }

private:
  // Parses "(" [INT "*"] SYM "," INT ")" after the word ceildiv.
  StatusOr<LaunchDim> parseCeildiv(int64_t multiplier) {
    LLMC_RETURN_IF_ERROR(expect('('));
    skipBlanks();
    int64_t scale = 1;
    if (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
      LLMC_ASSIGN_OR_RETURN(scale, parseInt());
      LLMC_RETURN_IF_ERROR(expect('*'));
      skipBlanks();
    }
    LLMC_ASSIGN_OR_RETURN(std::string word, parseWord());
    LLMC_ASSIGN_OR_RETURN(LaunchSymbol symbol, symbolFor(word));
    LLMC_RETURN_IF_ERROR(expect(','));
    skipBlanks();
    LLMC_ASSIGN_OR_RETURN(int64_t divisor, parseInt());
    LLMC_RETURN_IF_ERROR(expect(')'));
    return LaunchDim::symbolic(symbol, scale, divisor, multiplier);
  }

  // Accepts `dim` only when nothing but blanks follows it.
  StatusOr<LaunchDim> finish(StatusOr<LaunchDim> dim) {
    if (!dim.isOk())
      return dim;
    skipBlanks();
    if (!atEnd())
      return error("unexpected trailing text '" + text_.substr(pos_) + "'");
    return dim;
  }

  StatusOr<LaunchSymbol> symbolFor(const std::string &word) {
    for (LaunchSymbol symbol :
         {LaunchSymbol::Rows, LaunchSymbol::Seqs, LaunchSymbol::MaxChunkRows})
      if (word == launchSymbolName(symbol))
        return symbol;
    return errorAt(wordStart_, "unknown size '" + word +
                                   "' (expected rows, seqs or max_chunk_rows)");
  }

  // A positive integer that fits a CUDA grid dimension.
  StatusOr<int64_t> parseInt() {
    size_t start = pos_;
    if (atEnd() || !std::isdigit(static_cast<unsigned char>(peek())))
      return error("expected a positive integer");
    int64_t value = 0;
    while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
      value = value * 10 + (peek() - '0');
      if (value > std::numeric_limits<int32_t>::max())
        return errorAt(start, "integer too large");
      ++pos_;
    }
    if (value == 0)
      return errorAt(start, "integer must be positive");
    return value;
  }

  // An identifier: letters, digits and underscores, not starting with a digit.
  StatusOr<std::string> parseWord() {
    wordStart_ = pos_;
    if (atEnd() ||
        !(std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_'))
      return error("expected a size (rows, seqs, max_chunk_rows) or ceildiv");
    while (!atEnd() &&
           (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_'))
      ++pos_;
    return text_.substr(wordStart_, pos_ - wordStart_);
  }

  Status expect(char c) {
    skipBlanks();
    if (atEnd() || peek() != c)
      return error(std::string("expected '") + c + "'");
    ++pos_;
    return Status::ok();
  }

  void skipBlanks() {
    while (!atEnd() && std::isspace(static_cast<unsigned char>(peek())))
      ++pos_;
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  Status error(const std::string &what) const { return errorAt(pos_, what); }
  Status errorAt(size_t column, const std::string &what) const {
    std::string where = column >= text_.size()
                            ? "at the end"
                            : "at column " + std::to_string(column + 1);
    return Status::error("launch dimension '" + text_ + "': " + what + " " +
                         where);
  }

  const std::string &text_;
  size_t pos_ = 0;
  size_t wordStart_ = 0;
};

} // namespace

StatusOr<LaunchDim> parseLaunchDim(const std::string &text) {
  return LaunchDimParser(text).parse();
}

} // namespace llmc
