// Parses Jinja tokens into a syntax tree: the statements of chat templates
// (if/elif/else, for with else and a filter condition, set, block set,
// macro, break, continue) and expressions with Jinja's precedence.
#pragma once

#include "runtime/Status.h"
#include "runtime/chat/JinjaAst.h"
#include "runtime/chat/JinjaLexer.h"

#include <vector>

namespace llmc::chat {

/// Parses a whole template; errors name the line.
StatusOr<Block> parseTemplate(const std::vector<Token> &tokens);

} // namespace llmc::chat
