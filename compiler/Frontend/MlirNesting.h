// MlirNesting: a bound on how deeply an .mlir text nests, checked before
// MLIR's parser sees it.
//
// MLIR's parser recurses once per nested region, operation list, type or
// attribute, so a hostile file nesting some 100,000 levels overflows the
// stack. A linear scan counts the nesting of (), [], {} and <> first (outside
// string literals and // comments; "->" is no bracket) and refuses a text
// that goes deeper than any real model does. MLIR-free, so llm-opt and
// llm-compile share it.
#pragma once

#include "runtime/Status.h"

#include <string>
#include <string_view>

namespace llmc {

/// Real llm-dialect modules nest about ten levels.
constexpr int kMaxMlirNesting = 256;

/// Fails when brackets in `text` nest deeper than `maxDepth`; `source`
/// names the text in the message.
Status checkMlirNesting(std::string_view text, const std::string &source,
                        int maxDepth = kMaxMlirNesting);

/// checkMlirNesting on the regular file at `path` (readRegularFile's limit).
Status checkMlirFileNesting(const std::string &path,
                            int maxDepth = kMaxMlirNesting);

} // namespace llmc
