// The syntax tree of a parsed template: statements (text, output, if, for,
// set, macro) holding expressions.
#pragma once

#include "runtime/chat/JinjaValue.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmc::chat {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,   ///< value
    Name,      ///< name
    ListLit,   ///< operands: the items
    TupleLit,  ///< operands: the items
    DictLit,   ///< operands: key, value, key, value, ...
    Attribute, ///< operands[0].name
    Index,     ///< operands[0][operands[1]]
    Slice,     ///< operands[0][start:stop:step]; absent bounds are null
    Call,      ///< operands[0](operands[1..], kwargs)
    Filter,    ///< operands[0] | name(operands[1..], kwargs)
    Test,      ///< operands[0] is [not] name(operands[1..])
    Unary,     ///< name operands[0], name is "not" or "-" or "+"
    Binary,    ///< operands[0] name operands[1]
    Ternary,   ///< operands[1] if operands[0] else operands[2] (may be null)
  };
  Kind kind;
  int line = 0;
  std::string name;
  Value value;
  bool negated = false; ///< Test: `is not`
  std::vector<ExprPtr> operands;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Stmt;
using Block = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  enum class Kind {
    Text,   ///< text
    Output, ///< {{ expr }}
    If,     ///< branches (conditions[i] -> bodies[i]), else in elseBody
    For,    ///< for targets in expr [if condition]: body, else elseBody
    Set,    ///< set targets[0][.attribute] = expr, or a block set (body)
    Macro,  ///< macro name(targets = defaults): body
    Break,
    Continue,
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  std::vector<ExprPtr> conditions;
  std::vector<Block> bodies;
  Block body;
  Block elseBody;
  std::vector<std::string> targets;
  std::string attribute;         ///< Set: `ns.attribute`
  std::vector<ExprPtr> defaults; ///< Macro: one per target, null if none
};

} // namespace llmc::chat
