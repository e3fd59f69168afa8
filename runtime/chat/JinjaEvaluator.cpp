// The tree-walking evaluator of templates. Scoping follows Jinja: a for loop
// opens a scope that its body's `set`s write to and that ends with the loop
// (hence namespace() for values that must outlive it); `if` opens none.
#include "runtime/chat/JinjaEvaluator.h"

#include "runtime/chat/JinjaBuiltins.h"
#include "runtime/chat/TextFunctions.h"

#include <cmath>
#include <map>
#include <optional>
#include <unordered_map>

namespace llmc::chat {
namespace {

/// a OP b for the orderings <, >, <= and >=; nothing for another operator.
template <typename T>
std::optional<bool> ordering(const std::string &op, const T &a, const T &b) {
  if (op == "<")
    return a < b;
  if (op == ">")
    return a > b;
  if (op == "<=")
    return a <= b;
  if (op == ">=")
    return a >= b;
  return std::nullopt;
}

class Evaluator {
public:
  explicit Evaluator(const Dict &globals) {
    scopes_.emplace_back();
    for (const std::string &name : globalFunctionNames())
      scopes_.back()[name] = Value::function(name);
    for (const auto &[name, value] : globals)
      scopes_.back()[name] = value;
  }

  StatusOr<std::string> run(const Block &program) {
    std::string out;
    LLMC_RETURN_IF_ERROR(execBlock(program, out));
    return out;
  }

private:
  enum class Flow { Normal, Break, Continue };

  static Status at(int line, const Status &status) {
    return Status::error("line " + std::to_string(line) + ": " +
                         status.message());
  }
  static Status error(int line, const std::string &message) {
    return Status::error("line " + std::to_string(line) + ": " + message);
  }

  Value lookup(const std::string &name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return found->second;
    }
    return Value();
  }

  Status execBlock(const Block &block, std::string &out) {
    for (const auto &stmt : block) {
      LLMC_RETURN_IF_ERROR(exec(*stmt, out));
      if (flow_ != Flow::Normal)
        return Status::ok();
    }
    return Status::ok();
  }

  Status exec(const Stmt &s, std::string &out) {
    switch (s.kind) {
    case Stmt::Kind::Text:
      out += s.text;
      return Status::ok();
    case Stmt::Kind::Output: {
      LLMC_ASSIGN_OR_RETURN(Value v, eval(*s.expr));
      out += v.toString();
      return Status::ok();
    }
    case Stmt::Kind::If:
      for (size_t i = 0; i < s.conditions.size(); ++i) {
        LLMC_ASSIGN_OR_RETURN(Value condition, eval(*s.conditions[i]));
        if (condition.truthy())
          return execBlock(s.bodies[i], out);
      }
      return execBlock(s.elseBody, out);
    case Stmt::Kind::For:
      return execFor(s, out);
    case Stmt::Kind::Set:
      return execSet(s);
    case Stmt::Kind::Macro:
      macros_[s.text] = &s;
      return Status::ok();
    case Stmt::Kind::Break:
    case Stmt::Kind::Continue:
      if (loopDepth_ == 0)
        return error(s.line, "break or continue outside a for loop");
      flow_ = s.kind == Stmt::Kind::Break ? Flow::Break : Flow::Continue;
      return Status::ok();
    }
    return Status::ok();
  }

  /// Binds a loop or set target: one name, or a tuple unpacked from a list.
  Status bind(const Stmt &s, const Value &value) {
    if (s.targets.size() == 1) {
      scopes_.back()[s.targets[0]] = value;
      return Status::ok();
    }
    if (!value.isList() || value.asList().size() != s.targets.size())
      return error(s.line, "cannot unpack a " + std::string(value.kindName()) +
                               " into " + std::to_string(s.targets.size()) +
                               " names");
    for (size_t i = 0; i < s.targets.size(); ++i)
      scopes_.back()[s.targets[i]] = value.asList()[i];
    return Status::ok();
  }

  Status execSet(const Stmt &s) {
    Value value;
    if (s.expr) {
      LLMC_ASSIGN_OR_RETURN(value, eval(*s.expr));
    } else {
      std::string text;
      LLMC_RETURN_IF_ERROR(execBlock(s.body, text));
      value = Value::string(text);
    }
    if (s.attribute.empty())
      return bind(s, value);
    Value target = lookup(s.targets[0]);
    if (target.kind() != Value::Kind::Namespace)
      return error(s.line, "cannot set '" + s.attribute + "' on '" +
                               s.targets[0] + "', which is not a namespace");
    target.setMember(s.attribute, value);
    return Status::ok();
  }

  Status execFor(const Stmt &s, std::string &out) {
    LLMC_ASSIGN_OR_RETURN(Value iterable, eval(*s.expr));
    List all;
    if (iterable.isList()) {
      all = iterable.asList();
    } else if (iterable.isString()) {
      for (std::string &cp : codePoints(iterable.asString()))
        all.push_back(Value::string(std::move(cp)));
    } else if (iterable.isMapping()) {
      for (const auto &[key, value] : iterable.asDict())
        all.push_back(Value::string(key));
    } else if (!iterable.isUndefined()) {
      return error(s.line,
                   std::string("cannot loop over a ") + iterable.kindName());
    }
    scopes_.emplace_back();
    ++loopDepth_;
    Status status = runLoop(s, all, out);
    --loopDepth_;
    scopes_.pop_back();
    return status;
  }

  Status runLoop(const Stmt &s, const List &all, std::string &out) {
    // The `if` filter runs first: loop.index and loop.length count kept items.
    List items;
    for (const Value &item : all) {
      if (!s.conditions.empty()) {
        LLMC_RETURN_IF_ERROR(bind(s, item));
        LLMC_ASSIGN_OR_RETURN(Value keep, eval(*s.conditions[0]));
        if (!keep.truthy())
          continue;
      }
      items.push_back(item);
    }
    if (items.empty())
      return execBlock(s.elseBody, out);
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      Dict loop = {{"index", Value::integer(i + 1)},
                   {"index0", Value::integer(i)},
                   {"revindex", Value::integer(n - i)},
                   {"revindex0", Value::integer(n - i - 1)},
                   {"first", Value::boolean(i == 0)},
                   {"last", Value::boolean(i == n - 1)},
                   {"length", Value::integer(n)},
                   {"previtem", i > 0 ? items[i - 1] : Value()},
                   {"nextitem", i + 1 < n ? items[i + 1] : Value()}};
      scopes_.back()["loop"] = Value::dict(std::move(loop));
      LLMC_RETURN_IF_ERROR(bind(s, items[i]));
      LLMC_RETURN_IF_ERROR(execBlock(s.body, out));
      Flow flow = flow_;
      flow_ = Flow::Normal;
      if (flow == Flow::Break)
        break;
    }
    return Status::ok();
  }

  StatusOr<Arguments> evalArguments(const Expr &e, size_t first) {
    Arguments args;
    for (size_t i = first; i < e.operands.size(); ++i) {
      LLMC_ASSIGN_OR_RETURN(Value v, eval(*e.operands[i]));
      args.positional.push_back(v);
    }
    for (const auto &[key, expr] : e.kwargs) {
      LLMC_ASSIGN_OR_RETURN(Value v, eval(*expr));
      args.keywords.emplace_back(key, v);
    }
    return args;
  }

  StatusOr<Value> eval(const Expr &e) {
    switch (e.kind) {
    case Expr::Kind::Literal:
      return e.value;
    case Expr::Kind::Name:
      return lookup(e.name);
    case Expr::Kind::ListLit:
    case Expr::Kind::TupleLit: {
      List items;
      for (const auto &operand : e.operands) {
        LLMC_ASSIGN_OR_RETURN(Value v, eval(*operand));
        items.push_back(v);
      }
      return Value::list(std::move(items));
    }
    case Expr::Kind::DictLit: {
      Value dict = Value::dict({});
      for (size_t i = 0; i + 1 < e.operands.size(); i += 2) {
        LLMC_ASSIGN_OR_RETURN(Value key, eval(*e.operands[i]));
        LLMC_ASSIGN_OR_RETURN(Value value, eval(*e.operands[i + 1]));
        if (!key.isString())
          return error(e.line, "dict keys must be strings");
        dict.setMember(key.asString(),
                       value); // the dict is new: nobody shares it yet
      }
      return dict;
    }
    case Expr::Kind::Attribute: {
      LLMC_ASSIGN_OR_RETURN(Value object, eval(*e.operands[0]));
      if (object.isUndefined())
        return error(e.line,
                     "cannot read '" + e.name + "' of an undefined value");
      return object.member(e.name);
    }
    case Expr::Kind::Index: {
      LLMC_ASSIGN_OR_RETURN(Value object, eval(*e.operands[0]));
      LLMC_ASSIGN_OR_RETURN(Value key, eval(*e.operands[1]));
      return index(e, object, key);
    }
    case Expr::Kind::Slice:
      return slice(e);
    case Expr::Kind::Call:
      return call(e);
    case Expr::Kind::Filter: {
      LLMC_ASSIGN_OR_RETURN(Value operand, eval(*e.operands[0]));
      LLMC_ASSIGN_OR_RETURN(Arguments args, evalArguments(e, 1));
      StatusOr<Value> result = applyFilter(e.name, operand, args);
      if (!result.isOk())
        return at(e.line, result.status());
      return result;
    }
    case Expr::Kind::Test: {
      LLMC_ASSIGN_OR_RETURN(Value operand, eval(*e.operands[0]));
      LLMC_ASSIGN_OR_RETURN(Arguments args, evalArguments(e, 1));
      StatusOr<bool> result = applyTest(e.name, operand, args);
      if (!result.isOk())
        return at(e.line, result.status());
      return Value::boolean(*result != e.negated);
    }
    case Expr::Kind::Unary: {
      LLMC_ASSIGN_OR_RETURN(Value operand, eval(*e.operands[0]));
      if (e.name == "not")
        return Value::boolean(!operand.truthy());
      if (operand.kind() == Value::Kind::Int)
        return Value::integer(e.name == "-" ? -operand.asInt()
                                            : operand.asInt());
      if (operand.isNumber())
        return Value::floating(e.name == "-" ? -operand.asNumber()
                                             : operand.asNumber());
      return error(e.line, "unary " + e.name + " needs a number, not a " +
                               operand.kindName());
    }
    case Expr::Kind::Binary:
      return binary(e);
    case Expr::Kind::Ternary: {
      LLMC_ASSIGN_OR_RETURN(Value condition, eval(*e.operands[0]));
      if (condition.truthy())
        return eval(*e.operands[1]);
      if (!e.operands[2])
        return Value();
      return eval(*e.operands[2]);
    }
    }
    return Value();
  }

  StatusOr<Value> index(const Expr &e, const Value &object, const Value &key) {
    if (object.isMapping()) {
      return object.member(key.toString());
    }
    if (object.isList() || object.isString()) {
      if (key.kind() != Value::Kind::Int)
        return error(e.line, std::string("a ") + object.kindName() +
                                 " index must be an integer, not a " +
                                 key.kindName());
      std::vector<std::string> cps;
      if (object.isString())
        cps = codePoints(object.asString());
      int64_t size = object.isList()
                         ? static_cast<int64_t>(object.asList().size())
                         : static_cast<int64_t>(cps.size());
      int64_t i = key.asInt() < 0 ? key.asInt() + size : key.asInt();
      // Jinja gives undefined for an index out of range.
      if (i < 0 || i >= size)
        return Value();
      return object.isList() ? object.asList()[i] : Value::string(cps[i]);
    }
    if (object.isUndefined())
      return error(e.line, "cannot index an undefined value");
    return error(e.line, std::string("cannot index a ") + object.kindName());
  }

  StatusOr<Value> slice(const Expr &e) {
    LLMC_ASSIGN_OR_RETURN(Value object, eval(*e.operands[0]));
    int64_t bounds[3];
    bool given[3];
    for (int k = 0; k < 3; ++k) {
      given[k] = false;
      if (!e.operands[k + 1])
        continue;
      LLMC_ASSIGN_OR_RETURN(Value v, eval(*e.operands[k + 1]));
      if (v.isNone())
        continue;
      if (v.kind() != Value::Kind::Int)
        return error(e.line, "slice bounds must be integers");
      bounds[k] = v.asInt();
      given[k] = true;
    }
    std::vector<std::string> cps;
    if (object.isString())
      cps = codePoints(object.asString());
    else if (!object.isList())
      return error(e.line, std::string("cannot slice a ") + object.kindName());
    const int64_t n = object.isList()
                          ? static_cast<int64_t>(object.asList().size())
                          : static_cast<int64_t>(cps.size());
    // Python's slice.indices().
    int64_t step = given[2] ? bounds[2] : 1;
    if (step == 0)
      return error(e.line, "slice step cannot be zero");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0)
        v += n;
      return v < lo ? lo : v > hi ? hi : v;
    };
    int64_t start, stop;
    if (step > 0) {
      start = given[0] ? clamp(bounds[0], 0, n) : 0;
      stop = given[1] ? clamp(bounds[1], 0, n) : n;
    } else {
      start = given[0] ? clamp(bounds[0], -1, n - 1) : n - 1;
      stop = given[1] ? clamp(bounds[1], -1, n - 1) : -1;
    }
    List items;
    std::string text;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (object.isList())
        items.push_back(object.asList()[i]);
      else
        text += cps[i];
    }
    return object.isList() ? Value::list(std::move(items))
                           : Value::string(text);
  }

  StatusOr<Value> call(const Expr &e) {
    const Expr &callee = *e.operands[0];
    LLMC_ASSIGN_OR_RETURN(Arguments args, evalArguments(e, 1));
    StatusOr<Value> result = Status::error("not callable");
    if (callee.kind == Expr::Kind::Attribute) {
      LLMC_ASSIGN_OR_RETURN(Value object, eval(*callee.operands[0]));
      result = callMethod(object, callee.name, args);
    } else if (callee.kind == Expr::Kind::Name && macros_.count(callee.name)) {
      return callMacro(e, *macros_[callee.name], args);
    } else if (Value function = callee.kind == Expr::Kind::Name
                                    ? lookup(callee.name)
                                    : Value();
               function.kind() == Value::Kind::Function) {
      result = callGlobal(function.asString(), args);
    } else {
      return error(e.line,
                   "this expression is not a function that can be called");
    }
    if (!result.isOk())
      return at(e.line, result.status());
    return result;
  }

  StatusOr<Value> callMacro(const Expr &e, const Stmt &macro,
                            const Arguments &args) {
    if (args.positional.size() > macro.targets.size())
      return error(e.line, "macro '" + macro.text + "' takes " +
                               std::to_string(macro.targets.size()) +
                               " arguments");
    std::unordered_map<std::string, Value> frame;
    for (size_t i = 0; i < macro.targets.size(); ++i) {
      Value v = args.get(i, macro.targets[i]);
      if (v.isUndefined() && i >= args.positional.size() && macro.defaults[i]) {
        LLMC_ASSIGN_OR_RETURN(v, eval(*macro.defaults[i]));
      }
      frame[macro.targets[i]] = v;
    }
    scopes_.push_back(std::move(frame));
    std::string out;
    int loopDepth = loopDepth_;
    loopDepth_ = 0;
    Status status = execBlock(macro.body, out);
    loopDepth_ = loopDepth;
    scopes_.pop_back();
    LLMC_RETURN_IF_ERROR(status);
    return Value::string(out);
  }

  StatusOr<Value> binary(const Expr &e) {
    const std::string &op = e.name;
    LLMC_ASSIGN_OR_RETURN(Value lhs, eval(*e.operands[0]));
    if (op == "and")
      return lhs.truthy() ? eval(*e.operands[1]) : StatusOr<Value>(lhs);
    if (op == "or")
      return lhs.truthy() ? StatusOr<Value>(lhs) : eval(*e.operands[1]);
    LLMC_ASSIGN_OR_RETURN(Value rhs, eval(*e.operands[1]));
    if (op == "==")
      return Value::boolean(equal(lhs, rhs));
    if (op == "!=")
      return Value::boolean(!equal(lhs, rhs));
    if (op == "~")
      return Value::string(lhs.toString() + rhs.toString());
    if (op == "in" || op == "not in") {
      Arguments args;
      args.positional.push_back(rhs);
      LLMC_ASSIGN_OR_RETURN(bool found, applyTest("in", lhs, args));
      return Value::boolean(found == (op == "in"));
    }
    auto mismatch = [&]() {
      return error(e.line, "cannot apply '" + op + "' to " + lhs.kindName() +
                               " and " + rhs.kindName());
    };
    if (lhs.isUndefined() || rhs.isUndefined() || lhs.isNone() || rhs.isNone())
      return mismatch();
    if (op == "+") {
      if (lhs.isList() && rhs.isList()) {
        List items = lhs.asList();
        items.insert(items.end(), rhs.asList().begin(), rhs.asList().end());
        return Value::list(std::move(items));
      }
      if (lhs.isString() || rhs.isString())
        return Value::string(lhs.toString() + rhs.toString());
    }
    if (op == "*" && (lhs.isString() || rhs.isString())) {
      const Value &text = lhs.isString() ? lhs : rhs;
      const Value &count = lhs.isString() ? rhs : lhs;
      if (count.kind() != Value::Kind::Int)
        return mismatch();
      std::string out;
      for (int64_t i = 0; i < count.asInt(); ++i)
        out += text.asString();
      return Value::string(out);
    }
    if (lhs.isString() && rhs.isString()) {
      if (std::optional<bool> ordered =
              ordering(op, lhs.asString(), rhs.asString()))
        return Value::boolean(*ordered);
      return mismatch();
    }
    if (!lhs.isNumber() && lhs.kind() != Value::Kind::Bool)
      return mismatch();
    if (!rhs.isNumber() && rhs.kind() != Value::Kind::Bool)
      return mismatch();
    return arithmetic(e, lhs, rhs);
  }

  StatusOr<Value> arithmetic(const Expr &e, const Value &lhs,
                             const Value &rhs) {
    const std::string &op = e.name;
    double a = lhs.asNumber(), b = rhs.asNumber();
    bool integers =
        lhs.kind() != Value::Kind::Float && rhs.kind() != Value::Kind::Float;
    if (std::optional<bool> ordered = ordering(op, a, b))
      return Value::boolean(*ordered);
    if ((op == "/" || op == "//" || op == "%") && b == 0)
      return error(e.line, "division by zero");
    if (integers) {
      int64_t x = static_cast<int64_t>(a), y = static_cast<int64_t>(b);
      if (op == "+")
        return Value::integer(x + y);
      if (op == "-")
        return Value::integer(x - y);
      if (op == "*")
        return Value::integer(x * y);
      if (op == "//")
        return Value::integer(static_cast<int64_t>(std::floor(a / b)));
      if (op == "%")
        return Value::integer(((x % y) + y) % y);
      if (op == "**" && y >= 0)
        return Value::integer(static_cast<int64_t>(std::pow(a, b)));
    }
    if (op == "+")
      return Value::floating(a + b);
    if (op == "-")
      return Value::floating(a - b);
    if (op == "*")
      return Value::floating(a * b);
    if (op == "/")
      return Value::floating(a / b);
    if (op == "//")
      return Value::floating(std::floor(a / b));
    if (op == "%")
      return Value::floating(a - b * std::floor(a / b));
    if (op == "**")
      return Value::floating(std::pow(a, b));
    return error(e.line, "unknown operator '" + op + "'");
  }

  std::vector<std::unordered_map<std::string, Value>> scopes_;
  std::map<std::string, const Stmt *> macros_;
  Flow flow_ = Flow::Normal;
  int loopDepth_ = 0;
};

} // namespace

StatusOr<std::string> evaluateTemplate(const Block &program,
                                       const Dict &globals) {
  return Evaluator(globals).run(program);
}

} // namespace llmc::chat
