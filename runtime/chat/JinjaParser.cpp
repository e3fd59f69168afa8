// A recursive-descent parser over the lexer's tokens. Precedence, loosest
// first: `x if c else y`, or, and, not, comparisons (== != < > <= >= in,
// not in), + - ~, * / // %, **, unary - +, then postfix chains (.attr,
// [index], [a:b:c], (call), |filter, is test).
#include "runtime/chat/JinjaParser.h"

#include <set>

namespace llmc::chat {
namespace {

using T = Token::Type;

class Parser {
public:
  explicit Parser(const std::vector<Token> &tokens) : tokens_(tokens) {}

  StatusOr<Block> parseAll() {
    Block block;
    std::string stop;
    LLMC_RETURN_IF_ERROR(parseBlock({}, block, stop));
    return block;
  }

private:
  const Token &peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token &next() {
    const Token &t = peek();
    if (pos_ < tokens_.size() - 1)
      ++pos_;
    return t;
  }
  bool isOp(const char *op, size_t ahead = 0) const {
    return peek(ahead).type == T::Operator && peek(ahead).text == op;
  }
  bool isName(const char *name, size_t ahead = 0) const {
    return peek(ahead).type == T::Name && peek(ahead).text == name;
  }
  Status error(const std::string &message) const {
    return Status::error("line " + std::to_string(peek().line) + ": " +
                         message);
  }
  static std::string describe(const Token &t) {
    switch (t.type) {
    case T::End:
      return "the end of the template";
    case T::Text:
      return "text";
    case T::String:
      return "a string";
    default:
      return "'" + t.text + "'";
    }
  }
  Status expectOp(const char *op) {
    if (!isOp(op))
      return error(std::string("expected '") + op + "', found " +
                   describe(peek()));
    next();
    return Status::ok();
  }
  Status expectClose() {
    if (peek().type != T::CloseStatement)
      return error("expected %}, found " + describe(peek()));
    next();
    return Status::ok();
  }
  StatusOr<std::string> expectName(const char *what) {
    if (peek().type != T::Name)
      return error(std::string("expected ") + what + ", found " +
                   describe(peek()));
    return next().text;
  }

  /// Parses statements until a `{% word %}` with word in `stops`; that word
  /// is left in `stop` with the tag opened but not consumed further.
  Status parseBlock(const std::set<std::string> &stops, Block &block,
                    std::string &stop) {
    while (true) {
      const Token &t = peek();
      if (t.type == T::End) {
        if (stops.empty())
          return Status::ok();
        return error("missing {% " + *stops.rbegin() + " %}");
      }
      if (t.type == T::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Text;
        s->line = t.line;
        s->text = t.text;
        block.push_back(std::move(s));
        next();
        continue;
      }
      if (t.type == T::OpenExpression) {
        next();
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Output;
        s->line = t.line;
        LLMC_ASSIGN_OR_RETURN(s->expr, parseExpression());
        if (peek().type != T::CloseExpression)
          return error("expected }}, found " + describe(peek()));
        next();
        block.push_back(std::move(s));
        continue;
      }
      if (t.type != T::OpenStatement)
        return error("unexpected " + describe(t));
      next();
      if (peek().type != T::Name)
        return error("expected a statement name after {%, found " +
                     describe(peek()));
      std::string word = peek().text;
      if (stops.count(word)) {
        next();
        stop = word;
        return Status::ok();
      }
      LLMC_RETURN_IF_ERROR(parseStatement(block));
    }
  }

  Status parseStatement(Block &block) {
    const Token &keyword = next();
    auto s = std::make_unique<Stmt>();
    s->line = keyword.line;
    const std::string &word = keyword.text;
    if (word == "if") {
      s->kind = Stmt::Kind::If;
      std::string stop = "if";
      while (stop == "if" || stop == "elif") {
        LLMC_ASSIGN_OR_RETURN(ExprPtr condition, parseExpression());
        LLMC_RETURN_IF_ERROR(expectClose());
        Block body;
        LLMC_RETURN_IF_ERROR(parseBlock({"elif", "else", "endif"}, body, stop));
        s->conditions.push_back(std::move(condition));
        s->bodies.push_back(std::move(body));
      }
      if (stop == "else") {
        LLMC_RETURN_IF_ERROR(expectClose());
        LLMC_RETURN_IF_ERROR(parseBlock({"endif"}, s->elseBody, stop));
      }
      LLMC_RETURN_IF_ERROR(expectClose());
    } else if (word == "for") {
      s->kind = Stmt::Kind::For;
      do {
        LLMC_ASSIGN_OR_RETURN(std::string target,
                              expectName("a loop variable"));
        s->targets.push_back(target);
      } while (isOp(",") && (next(), true));
      if (!isName("in"))
        return error("expected 'in' in the for statement, found " +
                     describe(peek()));
      next();
      // The iterable is parsed without a ternary: a trailing `if` filters.
      LLMC_ASSIGN_OR_RETURN(s->expr, parseOr());
      if (isName("if")) {
        next();
        LLMC_ASSIGN_OR_RETURN(ExprPtr condition, parseOr());
        s->conditions.push_back(std::move(condition));
      }
      if (isName("recursive"))
        return error("recursive for loops are not supported");
      LLMC_RETURN_IF_ERROR(expectClose());
      std::string stop;
      LLMC_RETURN_IF_ERROR(parseBlock({"else", "endfor"}, s->body, stop));
      if (stop == "else") {
        LLMC_RETURN_IF_ERROR(expectClose());
        LLMC_RETURN_IF_ERROR(parseBlock({"endfor"}, s->elseBody, stop));
      }
      LLMC_RETURN_IF_ERROR(expectClose());
    } else if (word == "set") {
      s->kind = Stmt::Kind::Set;
      LLMC_ASSIGN_OR_RETURN(std::string target, expectName("a variable name"));
      s->targets.push_back(target);
      if (isOp(".")) {
        next();
        LLMC_ASSIGN_OR_RETURN(s->attribute, expectName("an attribute name"));
      }
      while (isOp(",")) {
        next();
        LLMC_ASSIGN_OR_RETURN(std::string more, expectName("a variable name"));
        s->targets.push_back(more);
      }
      if (isOp("=")) {
        next();
        LLMC_ASSIGN_OR_RETURN(s->expr, parseExpression());
        LLMC_RETURN_IF_ERROR(expectClose());
      } else {
        if (s->targets.size() > 1 || !s->attribute.empty())
          return error("a block set assigns one plain variable");
        LLMC_RETURN_IF_ERROR(expectClose());
        std::string stop;
        LLMC_RETURN_IF_ERROR(parseBlock({"endset"}, s->body, stop));
        LLMC_RETURN_IF_ERROR(expectClose());
      }
    } else if (word == "macro") {
      s->kind = Stmt::Kind::Macro;
      LLMC_ASSIGN_OR_RETURN(s->text, expectName("a macro name"));
      LLMC_RETURN_IF_ERROR(expectOp("("));
      while (!isOp(")")) {
        LLMC_ASSIGN_OR_RETURN(std::string parameter,
                              expectName("a parameter name"));
        s->targets.push_back(parameter);
        ExprPtr fallback;
        if (isOp("=")) {
          next();
          LLMC_ASSIGN_OR_RETURN(fallback, parseExpression());
        }
        s->defaults.push_back(std::move(fallback));
        if (!isOp(")"))
          LLMC_RETURN_IF_ERROR(expectOp(","));
      }
      next();
      LLMC_RETURN_IF_ERROR(expectClose());
      std::string stop;
      LLMC_RETURN_IF_ERROR(parseBlock({"endmacro"}, s->body, stop));
      LLMC_RETURN_IF_ERROR(expectClose());
    } else if (word == "break" || word == "continue") {
      s->kind = word == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      LLMC_RETURN_IF_ERROR(expectClose());
    } else if (word == "generation") {
      // Marks the assistant's tokens for training masks; renders its body.
      LLMC_RETURN_IF_ERROR(expectClose());
      std::string stop;
      Block body;
      LLMC_RETURN_IF_ERROR(parseBlock({"endgeneration"}, body, stop));
      LLMC_RETURN_IF_ERROR(expectClose());
      for (auto &inner : body)
        block.push_back(std::move(inner));
      return Status::ok();
    } else {
      return Status::error("line " + std::to_string(keyword.line) +
                           ": unknown statement '" + word + "'");
    }
    block.push_back(std::move(s));
    return Status::ok();
  }

  ExprPtr make(Expr::Kind kind, int line, std::string name = "") {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    e->name = std::move(name);
    return e;
  }
  ExprPtr binary(std::string op, ExprPtr lhs, ExprPtr rhs) {
    ExprPtr e = make(Expr::Kind::Binary, lhs->line, std::move(op));
    e->operands.push_back(std::move(lhs));
    e->operands.push_back(std::move(rhs));
    return e;
  }

  StatusOr<ExprPtr> parseExpression() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr value, parseOr());
    if (!isName("if"))
      return value;
    int line = next().line;
    ExprPtr e = make(Expr::Kind::Ternary, line);
    LLMC_ASSIGN_OR_RETURN(ExprPtr condition, parseOr());
    e->operands.push_back(std::move(condition));
    e->operands.push_back(std::move(value));
    if (isName("else")) {
      next();
      LLMC_ASSIGN_OR_RETURN(ExprPtr otherwise, parseExpression());
      e->operands.push_back(std::move(otherwise));
    } else {
      e->operands.push_back(nullptr);
    }
    return e;
  }

  StatusOr<ExprPtr> parseOr() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parseAnd());
    while (isName("or")) {
      next();
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parseAnd());
      lhs = binary("or", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  StatusOr<ExprPtr> parseAnd() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parseNot());
    while (isName("and")) {
      next();
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parseNot());
      lhs = binary("and", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  StatusOr<ExprPtr> parseNot() {
    if (!isName("not"))
      return parseCompare();
    int line = next().line;
    LLMC_ASSIGN_OR_RETURN(ExprPtr operand, parseNot());
    ExprPtr e = make(Expr::Kind::Unary, line, "not");
    e->operands.push_back(std::move(operand));
    return e;
  }

  StatusOr<ExprPtr> parseCompare() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parseAdditive());
    while (true) {
      std::string op;
      if (peek().type == T::Operator &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
           peek().text == ">" || peek().text == "<=" || peek().text == ">=")) {
        op = next().text;
      } else if (isName("in")) {
        next();
        op = "in";
      } else if (isName("not") && isName("in", 1)) {
        next();
        next();
        op = "not in";
      } else {
        return lhs;
      }
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parseAdditive());
      lhs = binary(op, std::move(lhs), std::move(rhs));
    }
  }

  StatusOr<ExprPtr> parseAdditive() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parseMultiplicative());
    while (isOp("+") || isOp("-") || isOp("~")) {
      std::string op = next().text;
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parseMultiplicative());
      lhs = binary(op, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  StatusOr<ExprPtr> parseMultiplicative() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parsePower());
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      std::string op = next().text;
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parsePower());
      lhs = binary(op, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  StatusOr<ExprPtr> parsePower() {
    LLMC_ASSIGN_OR_RETURN(ExprPtr lhs, parseUnary());
    while (isOp("**")) {
      next();
      LLMC_ASSIGN_OR_RETURN(ExprPtr rhs, parseUnary());
      lhs = binary("**", std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  StatusOr<ExprPtr> parseUnary() {
    if (isOp("-") || isOp("+")) {
      const Token &t = next();
      LLMC_ASSIGN_OR_RETURN(ExprPtr operand, parseUnary());
      ExprPtr e = make(Expr::Kind::Unary, t.line, t.text);
      e->operands.push_back(std::move(operand));
      return e;
    }
    LLMC_ASSIGN_OR_RETURN(ExprPtr primary, parsePrimary());
    return parsePostfix(std::move(primary));
  }

  /// `(args, name=value)` after the opening parenthesis was consumed.
  Status parseArguments(Expr &call) {
    while (!isOp(")")) {
      if (peek().type == T::Name && isOp("=", 1)) {
        std::string key = next().text;
        next();
        LLMC_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
        call.kwargs.emplace_back(key, std::move(value));
      } else {
        LLMC_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
        call.operands.push_back(std::move(value));
      }
      if (!isOp(")"))
        LLMC_RETURN_IF_ERROR(expectOp(","));
    }
    next();
    return Status::ok();
  }

  StatusOr<ExprPtr> parsePostfix(ExprPtr e) {
    while (true) {
      int line = peek().line;
      if (isOp(".")) {
        next();
        LLMC_ASSIGN_OR_RETURN(std::string name,
                              expectName("an attribute name"));
        ExprPtr a = make(Expr::Kind::Attribute, line, name);
        a->operands.push_back(std::move(e));
        e = std::move(a);
      } else if (isOp("[")) {
        next();
        LLMC_ASSIGN_OR_RETURN(e, parseSubscript(std::move(e), line));
      } else if (isOp("(")) {
        next();
        ExprPtr call = make(Expr::Kind::Call, line);
        call->operands.push_back(std::move(e));
        LLMC_RETURN_IF_ERROR(parseArguments(*call));
        e = std::move(call);
      } else if (isOp("|")) {
        next();
        LLMC_ASSIGN_OR_RETURN(std::string name, expectName("a filter name"));
        ExprPtr f = make(Expr::Kind::Filter, line, name);
        f->operands.push_back(std::move(e));
        if (isOp("(")) {
          next();
          LLMC_RETURN_IF_ERROR(parseArguments(*f));
        }
        e = std::move(f);
      } else if (isName("is")) {
        next();
        ExprPtr test = make(Expr::Kind::Test, line);
        if (isName("not")) {
          next();
          test->negated = true;
        }
        LLMC_ASSIGN_OR_RETURN(test->name, expectName("a test name"));
        test->operands.push_back(std::move(e));
        if (isOp("(")) {
          next();
          LLMC_RETURN_IF_ERROR(parseArguments(*test));
        } else if (peek().type == T::String || peek().type == T::Integer ||
                   peek().type == T::Float) {
          // `is divisibleby 3`, `is equalto 'x'`: one argument without
          // parentheses.
          LLMC_ASSIGN_OR_RETURN(ExprPtr argument, parsePrimary());
          test->operands.push_back(std::move(argument));
        }
        e = std::move(test);
      } else {
        return e;
      }
    }
  }

  StatusOr<ExprPtr> parseSubscript(ExprPtr object, int line) {
    ExprPtr bounds[3];
    int part = 0;
    bool slice = false;
    while (true) {
      if (isOp("]")) {
        next();
        break;
      }
      if (isOp(":")) {
        next();
        slice = true;
        if (++part > 2)
          return error("a slice takes at most start:stop:step");
        continue;
      }
      if (bounds[part])
        return error("expected ':' or ']' in a subscript, found " +
                     describe(peek()));
      LLMC_ASSIGN_OR_RETURN(bounds[part], parseExpression());
    }
    if (!slice) {
      if (!bounds[0])
        return error("an empty subscript []");
      ExprPtr e = make(Expr::Kind::Index, line);
      e->operands.push_back(std::move(object));
      e->operands.push_back(std::move(bounds[0]));
      return e;
    }
    ExprPtr e = make(Expr::Kind::Slice, line);
    e->operands.push_back(std::move(object));
    for (ExprPtr &bound : bounds)
      e->operands.push_back(std::move(bound));
    return e;
  }

  StatusOr<ExprPtr> parsePrimary() {
    const Token &t = peek();
    switch (t.type) {
    case T::String: {
      // Adjacent literals concatenate, as in Python.
      std::string text;
      while (peek().type == T::String)
        text += next().text;
      ExprPtr e = make(Expr::Kind::Literal, t.line);
      e->value = Value::string(text);
      return e;
    }
    case T::Integer:
    case T::Float: {
      next();
      ExprPtr e = make(Expr::Kind::Literal, t.line);
      e->value = t.type == T::Integer ? Value::integer(std::stoll(t.text))
                                      : Value::floating(std::stod(t.text));
      return e;
    }
    case T::Name: {
      next();
      ExprPtr e = make(Expr::Kind::Literal, t.line);
      if (t.text == "true" || t.text == "True")
        e->value = Value::boolean(true);
      else if (t.text == "false" || t.text == "False")
        e->value = Value::boolean(false);
      else if (t.text == "none" || t.text == "None")
        e->value = Value::none();
      else
        e = make(Expr::Kind::Name, t.line, t.text);
      return e;
    }
    case T::Operator:
      if (t.text == "(") {
        next();
        LLMC_ASSIGN_OR_RETURN(ExprPtr first, parseExpression());
        if (isOp(")")) {
          next();
          return first;
        }
        ExprPtr tuple = make(Expr::Kind::TupleLit, t.line);
        tuple->operands.push_back(std::move(first));
        while (isOp(",")) {
          next();
          if (isOp(")"))
            break;
          LLMC_ASSIGN_OR_RETURN(ExprPtr item, parseExpression());
          tuple->operands.push_back(std::move(item));
        }
        LLMC_RETURN_IF_ERROR(expectOp(")"));
        return tuple;
      }
      if (t.text == "[" || t.text == "{") {
        bool isDict = t.text == "{";
        const char *close = isDict ? "}" : "]";
        next();
        ExprPtr e =
            make(isDict ? Expr::Kind::DictLit : Expr::Kind::ListLit, t.line);
        while (!isOp(close)) {
          LLMC_ASSIGN_OR_RETURN(ExprPtr item, parseExpression());
          e->operands.push_back(std::move(item));
          if (isDict) {
            LLMC_RETURN_IF_ERROR(expectOp(":"));
            LLMC_ASSIGN_OR_RETURN(ExprPtr value, parseExpression());
            e->operands.push_back(std::move(value));
          }
          if (!isOp(close))
            LLMC_RETURN_IF_ERROR(expectOp(","));
        }
        next();
        return e;
      }
      break;
    default:
      break;
    }
    return error("expected an expression, found " + describe(t));
  }

  const std::vector<Token> &tokens_;
  size_t pos_ = 0;
};

} // namespace

StatusOr<Block> parseTemplate(const std::vector<Token> &tokens) {
  return Parser(tokens).parseAll();
}

} // namespace llmc::chat
