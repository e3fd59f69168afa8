// Splits a Jinja template into tokens: literal text, the delimiters of
// {{ expressions }} and {% statements %}, and the names, literals and
// operators inside them. Comments {# #} vanish here.
//
// Whitespace is handled here too, as chat templates are rendered by
// transformers (trim_blocks and lstrip_blocks on): a newline right after a
// block tag is dropped, spaces and tabs before a block tag on its own line are
// dropped, `-` inside a delimiter strips all whitespace on that side, and one
// newline at the end of the template is dropped.
#pragma once

#include "runtime/Status.h"

#include <string>
#include <vector>

namespace llmc::chat {

struct Token {
  enum class Type {
    Text,            ///< literal template text
    OpenExpression,  ///< {{
    CloseExpression, ///< }}
    OpenStatement,   ///< {%
    CloseStatement,  ///< %}
    Name,            ///< identifiers and keywords (if, in, not, ...)
    String,          ///< a string literal, escapes resolved
    Integer,
    Float,
    Operator, ///< punctuation and operators: ( ) [ ] { } , . : | + - ~ * / // %
              ///< ** = == != < > <= >=
    End,
  };
  Type type;
  std::string text;
  int line;
};

/// Tokenizes `source`; errors name the line.
StatusOr<std::vector<Token>> tokenize(const std::string &source);

} // namespace llmc::chat
