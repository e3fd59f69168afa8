// Launch-dimension expressions: every form of the grammar parses, evaluates
// like the kernel library's own grid arithmetic and prints back canonically;
// everything else is refused with the text and column named.
#include "runtime/engine/LaunchDims.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

LaunchDim parseOrDie(const std::string &text) {
  StatusOr<LaunchDim> dim = parseLaunchDim(text);
  EXPECT_TRUE(dim.isOk()) << dim.status().message();
  return dim.isOk() ? *dim : LaunchDim::constant(1);
}

std::string errorOf(const std::string &text) {
  StatusOr<LaunchDim> dim = parseLaunchDim(text);
  EXPECT_FALSE(dim.isOk()) << "'" << text << "' parsed as " << dim->str();
  return dim.isOk() ? "" : dim.status().message();
}

LaunchSizes sizes(int64_t rows, int64_t seqs, int64_t maxChunkRows) {
  LaunchSizes s;
  s.rows = rows;
  s.seqs = seqs;
  s.maxChunkRows = maxChunkRows;
  return s;
}

TEST(LaunchDims, ConstantIgnoresTheSizes) {
  LaunchDim dim = parseOrDie("15");
  EXPECT_TRUE(dim.isConstant());
  EXPECT_EQ(dim.evaluate(sizes(0, 0, 0)), 15);
  EXPECT_EQ(dim.evaluate(sizes(100, 7, 9)), 15);
}

TEST(LaunchDims, BareSymbolsReadTheirOwnSize) {
  LaunchSizes s = sizes(37, 5, 11);
  EXPECT_EQ(parseOrDie("rows").evaluate(s), 37);
  EXPECT_EQ(parseOrDie("seqs").evaluate(s), 5);
  EXPECT_EQ(parseOrDie("max_chunk_rows").evaluate(s), 11);
  EXPECT_EQ(parseOrDie("seqs").symbol(), LaunchSymbol::Seqs);
}

TEST(LaunchDims, CeildivRoundsUp) {
  LaunchDim dim = parseOrDie("ceildiv(rows, 64)");
  EXPECT_EQ(dim.evaluate(sizes(1, 0, 0)), 1);
  EXPECT_EQ(dim.evaluate(sizes(64, 0, 0)), 1);
  EXPECT_EQ(dim.evaluate(sizes(65, 0, 0)), 2);
  EXPECT_EQ(dim.evaluate(sizes(0, 0, 0)), 0);
}

TEST(LaunchDims, ScaledCeildivMatchesPrefillAttentionGridX) {
  // PagedAttentionPrefill::gridX(maxChunkRows) = ceilDiv(maxChunkRows * Group,
  // 64); with Group 4 (32 heads over 8 KV heads).
  LaunchDim dim = parseOrDie("ceildiv(4 * max_chunk_rows, 64)");
  for (int64_t chunk : {1, 15, 16, 17, 512})
    EXPECT_EQ(dim.evaluate(sizes(0, 0, chunk)), (chunk * 4 + 63) / 64) << chunk;
}

TEST(LaunchDims, MultipliedCeildiv) {
  LaunchDim dim = parseOrDie("3 * ceildiv(rows, 32)");
  EXPECT_EQ(dim.evaluate(sizes(33, 0, 0)), 6);
  LaunchDim both = parseOrDie("2 * ceildiv(3 * seqs, 4)");
  EXPECT_EQ(both.evaluate(sizes(0, 5, 0)), 2 * 4);
}

TEST(LaunchDims, BlanksBetweenTokensAreIgnored) {
  EXPECT_EQ(parseOrDie("  ceildiv ( 4*max_chunk_rows ,64 ) "),
            parseOrDie("ceildiv(4 * max_chunk_rows, 64)"));
  EXPECT_EQ(parseOrDie("2*ceildiv(rows,8)"),
            LaunchDim::symbolic(LaunchSymbol::Rows, 1, 8, 2));
}

TEST(LaunchDims, CanonicalTextParsesBackToTheSameDim) {
  for (const char *text :
       {"1", "4096", "rows", "seqs", "max_chunk_rows", "ceildiv(rows, 64)",
        "ceildiv(4 * max_chunk_rows, 64)", "8 * ceildiv(seqs, 2)",
        "2 * ceildiv(3 * rows, 128)"}) {
    LaunchDim dim = parseOrDie(text);
    EXPECT_EQ(dim.str(), text);
    EXPECT_EQ(parseOrDie(dim.str()), dim);
  }
}

TEST(LaunchDims, DistinguishesDimsThatDiffer) {
  EXPECT_NE(parseOrDie("rows"), parseOrDie("seqs"));
  EXPECT_NE(parseOrDie("ceildiv(rows, 64)"), parseOrDie("ceildiv(rows, 32)"));
  EXPECT_NE(parseOrDie("1"), parseOrDie("rows"));
}

TEST(LaunchDims, RefusesEmptyText) {
  EXPECT_NE(errorOf("").find("expected an integer, a size or ceildiv"),
            std::string::npos);
  EXPECT_NE(errorOf("   ").find("at the end"), std::string::npos);
}

TEST(LaunchDims, RefusesUnknownSizeNamingIt) {
  std::string message = errorOf("ceildiv(tokens, 64)");
  EXPECT_NE(message.find("launch dimension 'ceildiv(tokens, 64)'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("unknown size 'tokens'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("at column 9"), std::string::npos) << message;
  EXPECT_NE(errorOf("batch").find("unknown size 'batch'"), std::string::npos);
}

TEST(LaunchDims, RefusesZeroAndNegativeIntegers) {
  EXPECT_NE(errorOf("0").find("integer must be positive at column 1"),
            std::string::npos);
  EXPECT_NE(errorOf("ceildiv(rows, 0)").find("integer must be positive"),
            std::string::npos);
  EXPECT_NE(errorOf("-4").find("at column 1"), std::string::npos);
}

TEST(LaunchDims, RefusesIntegersBeyondInt32) {
  EXPECT_NE(errorOf("4294967296").find("integer too large at column 1"),
            std::string::npos);
}

TEST(LaunchDims, RefusesFormsOutsideTheGrammar) {
  // A bare product is not a form: the multiplier must apply to ceildiv.
  EXPECT_NE(errorOf("4 * rows")
                .find("expected ceildiv(...) after 'INT *', "
                      "found 'rows' at column 5"),
            std::string::npos);
  EXPECT_NE(errorOf("rows + 1").find("unexpected trailing text '+ 1'"),
            std::string::npos);
  EXPECT_NE(errorOf("ceildiv(rows 64)").find("expected ',' at column 14"),
            std::string::npos);
  EXPECT_NE(errorOf("ceildiv(rows, 64").find("expected ')' at the end"),
            std::string::npos);
  EXPECT_NE(errorOf("ceildiv(64, rows)").find("expected '*'"),
            std::string::npos);
  EXPECT_NE(errorOf("ceildiv(rows, seqs)").find("expected a positive integer"),
            std::string::npos);
  EXPECT_NE(errorOf("16 16").find("expected '*' or the end after an integer"),
            std::string::npos);
}

} // namespace
