// Filters, tests, methods and global functions of chat templates.
#include "runtime/chat/JinjaBuiltins.h"

#include "runtime/chat/TextFunctions.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace llmc::chat {

Value Arguments::get(size_t index, const std::string &name) const {
  if (index < positional.size())
    return positional[index];
  for (const auto &[key, value] : keywords)
    if (key == name)
      return value;
  return Value();
}

namespace {

Status typeError(const std::string &what, const Value &operand) {
  return Status::error(what + " does not apply to a " + operand.kindName());
}

/// The items of a list, the code points of a string, the keys of a dict.
StatusOr<List> iterate(const Value &v, const std::string &what) {
  if (v.isList())
    return v.asList();
  List items;
  if (v.isString()) {
    for (std::string &cp : codePoints(v.asString()))
      items.push_back(Value::string(std::move(cp)));
    return items;
  }
  if (v.kind() == Value::Kind::Dict) {
    for (const auto &[key, value] : v.asDict())
      items.push_back(Value::string(key));
    return items;
  }
  if (v.isUndefined())
    return items;
  return typeError(what, v);
}

/// `x.a.b` for selectattr/map's attribute="a.b".
Value attributePath(const Value &item, const std::string &path) {
  Value v = item;
  for (const std::string &part : splitText(path, ".", -1)) {
    if (v.isMapping()) {
      v = v.member(part);
    } else if (v.isList() && !part.empty() &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      size_t i = std::stoul(part);
      v = i < v.asList().size() ? v.asList()[i] : Value();
    } else {
      return Value();
    }
  }
  return v;
}

StatusOr<int64_t> optionalInt(const Value &v, int64_t fallback,
                              const char *what) {
  if (v.isUndefined() || v.isNone())
    return fallback;
  if (v.kind() != Value::Kind::Int)
    return Status::error(std::string(what) + " must be an integer, not a " +
                         v.kindName());
  return v.asInt();
}

StatusOr<Value> toInteger(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Int:
    return v;
  case Value::Kind::Float:
  case Value::Kind::Bool:
    return Value::integer(static_cast<int64_t>(v.asNumber()));
  case Value::Kind::String: {
    std::string s = stripText(v.asString(), true, true);
    char *end = nullptr;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0')
      return Value::integer(i);
    double d = std::strtod(s.c_str(), &end);
    return Value::integer(!s.empty() && *end == '\0' ? static_cast<int64_t>(d)
                                                     : 0);
  }
  default:
    return Value::integer(0);
  }
}

StatusOr<Value> toFloat(const Value &v) {
  if (v.isNumber() || v.kind() == Value::Kind::Bool)
    return Value::floating(v.asNumber());
  if (v.isString()) {
    std::string s = stripText(v.asString(), true, true);
    char *end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    return Value::floating(!s.empty() && *end == '\0' ? d : 0.0);
  }
  return Value::floating(0.0);
}

StatusOr<Value> selectItems(const std::string &name, const Value &operand,
                            const Arguments &args) {
  bool byAttribute = name == "selectattr" || name == "rejectattr";
  bool keep = name == "selectattr" || name == "select";
  LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
  size_t testAt = byAttribute ? 1 : 0;
  if (byAttribute && !args.get(0, "").isString())
    return Status::error(name + " needs an attribute name");
  Value test = args.get(testAt, "");
  Arguments testArgs;
  for (size_t i = testAt + 1; i < args.positional.size(); ++i)
    testArgs.positional.push_back(args.positional[i]);
  List out;
  for (const Value &item : items) {
    Value subject =
        byAttribute ? attributePath(item, args.positional[0].asString()) : item;
    bool passed;
    if (test.isUndefined()) {
      passed = subject.truthy();
    } else {
      if (!test.isString())
        return Status::error(name + ": the test name must be a string");
      LLMC_ASSIGN_OR_RETURN(passed,
                            applyTest(test.asString(), subject, testArgs));
    }
    if (passed == keep)
      out.push_back(item);
  }
  return Value::list(std::move(out));
}

StatusOr<Value> indentText(const Value &operand, const Arguments &args) {
  if (!operand.isString())
    return typeError("indent", operand);
  Value width = args.get(0, "width");
  std::string pad =
      width.isString()
          ? width.asString()
          : std::string(width.isUndefined() ? 4 : width.asInt(), ' ');
  bool first = args.get(1, "first").truthy();
  bool blank = args.get(2, "blank").truthy();
  std::vector<std::string> lines = splitText(operand.asString(), "\n", -1);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i)
      out += "\n";
    bool indentThis = (i > 0 || first) && (blank || !lines[i].empty());
    out += (indentThis ? pad : "") + lines[i];
  }
  return Value::string(out);
}

/// Python-style ordering for `sort`: numbers by value, strings by code point.
bool lessThan(const Value &a, const Value &b, bool caseSensitive) {
  if (a.isString() && b.isString())
    return caseSensitive ? a.asString() < b.asString()
                         : lowerText(a.asString()) < lowerText(b.asString());
  return a.asNumber() < b.asNumber();
}

} // namespace

StatusOr<Value> applyFilter(const std::string &name, const Value &operand,
                            const Arguments &args) {
  if (name == "trim") {
    if (!operand.isString())
      return typeError("trim", operand);
    Value chars = args.get(0, "chars");
    return Value::string(
        stripText(operand.asString(), true, true,
                  chars.isString() ? &chars.asString() : nullptr));
  }
  if (name == "length" || name == "count") {
    if (operand.isString())
      return Value::integer(
          static_cast<int64_t>(codePoints(operand.asString()).size()));
    if (operand.isList())
      return Value::integer(static_cast<int64_t>(operand.asList().size()));
    if (operand.isMapping())
      return Value::integer(static_cast<int64_t>(operand.asDict().size()));
    return typeError(name, operand);
  }
  if (name == "tojson") {
    JsonOptions options;
    LLMC_ASSIGN_OR_RETURN(int64_t indent,
                          optionalInt(args.get(0, "indent"), 0, "indent"));
    options.indent = static_cast<int>(indent);
    options.sortKeys = args.get(1, "sort_keys").truthy();
    options.ensureAscii = args.get(2, "ensure_ascii").truthy();
    return Value::string(toJson(operand, options));
  }
  if (name == "upper" || name == "lower" || name == "title" ||
      name == "capitalize") {
    if (!operand.isString())
      return typeError(name, operand);
    const std::string &s = operand.asString();
    return Value::string(name == "upper"   ? upperText(s)
                         : name == "lower" ? lowerText(s)
                         : name == "title" ? titleText(s)
                                           : capitalizeText(s));
  }
  if (name == "first" || name == "last") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    if (items.empty())
      return Value();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "join") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    Value separator = args.get(0, "d");
    Value attribute = args.get(1, "attribute");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i)
        out += separator.toString();
      out +=
          (attribute.isString() ? attributePath(items[i], attribute.asString())
                                : items[i])
              .toString();
    }
    return Value::string(out);
  }
  if (name == "default" || name == "d") {
    bool boolean = args.get(1, "boolean").truthy();
    if (operand.isUndefined() || (boolean && !operand.truthy())) {
      Value fallback = args.get(0, "default_value");
      return fallback.isUndefined() ? Value::string("") : fallback;
    }
    return operand;
  }
  if (name == "list") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    return Value::list(std::move(items));
  }
  if (name == "string")
    return Value::string(operand.toString());
  if (name == "safe")
    return operand;
  if (name == "int")
    return toInteger(operand);
  if (name == "float")
    return toFloat(operand);
  if (name == "abs") {
    if (operand.kind() == Value::Kind::Int)
      return Value::integer(std::llabs(operand.asInt()));
    if (operand.isNumber())
      return Value::floating(std::fabs(operand.asNumber()));
    return typeError("abs", operand);
  }
  if (name == "reverse") {
    if (operand.isString()) {
      std::vector<std::string> cps = codePoints(operand.asString());
      std::string out;
      for (auto it = cps.rbegin(); it != cps.rend(); ++it)
        out += *it;
      return Value::string(out);
    }
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "replace") {
    Value from = args.get(0, "old"), to = args.get(1, "new");
    if (!operand.isString() || !from.isString() || !to.isString())
      return Status::error("replace takes a string and two string arguments");
    LLMC_ASSIGN_OR_RETURN(int64_t count,
                          optionalInt(args.get(2, "count"), -1, "count"));
    return Value::string(
        replaceText(operand.asString(), from.asString(), to.asString(), count));
  }
  if (name == "items")
    return callMethod(operand, "items", Arguments{});
  if (name == "map") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    Value attribute = args.get(99, "attribute");
    List out;
    for (const Value &item : items) {
      if (attribute.isString()) {
        Value v = attributePath(item, attribute.asString());
        if (v.isUndefined())
          v = args.get(99, "default");
        out.push_back(v);
        continue;
      }
      Value filter = args.get(0, "");
      if (!filter.isString())
        return Status::error("map needs a filter name or attribute=");
      Arguments rest;
      rest.positional.assign(args.positional.begin() + 1,
                             args.positional.end());
      LLMC_ASSIGN_OR_RETURN(Value mapped,
                            applyFilter(filter.asString(), item, rest));
      out.push_back(mapped);
    }
    return Value::list(std::move(out));
  }
  if (name == "select" || name == "reject" || name == "selectattr" ||
      name == "rejectattr")
    return selectItems(name, operand, args);
  if (name == "indent")
    return indentText(operand, args);
  if (name == "unique") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    List out;
    for (const Value &item : items)
      if (std::none_of(out.begin(), out.end(),
                       [&](const Value &v) { return equal(v, item); }))
        out.push_back(item);
    return Value::list(std::move(out));
  }
  if (name == "sort") {
    LLMC_ASSIGN_OR_RETURN(List items, iterate(operand, name));
    bool reverse = args.get(0, "reverse").truthy();
    bool caseSensitive = args.get(1, "case_sensitive").truthy();
    Value attribute = args.get(2, "attribute");
    auto key = [&](const Value &v) {
      return attribute.isString() ? attributePath(v, attribute.asString()) : v;
    };
    std::stable_sort(items.begin(), items.end(),
                     [&](const Value &a, const Value &b) {
                       return reverse ? lessThan(key(b), key(a), caseSensitive)
                                      : lessThan(key(a), key(b), caseSensitive);
                     });
    return Value::list(std::move(items));
  }
  return Status::error("unknown filter '" + name + "'");
}

StatusOr<bool> applyTest(const std::string &name, const Value &operand,
                         const Arguments &args) {
  using K = Value::Kind;
  if (name == "defined")
    return !operand.isUndefined();
  if (name == "undefined")
    return operand.isUndefined();
  if (name == "none")
    return operand.isNone();
  if (name == "string")
    return operand.isString();
  if (name == "number")
    return operand.isNumber();
  if (name == "integer")
    return operand.kind() == K::Int;
  if (name == "float")
    return operand.kind() == K::Float;
  if (name == "boolean")
    return operand.kind() == K::Bool;
  if (name == "true")
    return operand.kind() == K::Bool && operand.asBool();
  if (name == "false")
    return operand.kind() == K::Bool && !operand.asBool();
  if (name == "mapping")
    return operand.kind() == K::Dict;
  if (name == "iterable")
    return operand.isList() || operand.isString() || operand.kind() == K::Dict;
  if (name == "sequence")
    return operand.isList() || operand.isString() || operand.kind() == K::Dict;
  if (name == "callable")
    return false;
  if (name == "odd" || name == "even" || name == "divisibleby") {
    if (operand.kind() != K::Int)
      return typeError("the test '" + name + "'", operand);
    int64_t divisor = name == "divisibleby" ? args.get(0, "num").asInt() : 2;
    if (divisor == 0)
      return Status::error("divisibleby 0");
    bool divisible = operand.asInt() % divisor == 0;
    return name == "odd" ? !divisible : divisible;
  }
  if (name == "equalto" || name == "eq" || name == "sameas")
    return equal(operand, args.get(0, "other"));
  if (name == "ne")
    return !equal(operand, args.get(0, "other"));
  if (name == "lower" || name == "upper") {
    if (!operand.isString())
      return false;
    const std::string &s = operand.asString();
    return s == (name == "lower" ? lowerText(s) : upperText(s));
  }
  if (name == "in") {
    Value container = args.get(0, "seq");
    if (container.isList())
      return std::any_of(container.asList().begin(), container.asList().end(),
                         [&](const Value &v) { return equal(v, operand); });
    if (container.isString() && operand.isString())
      return container.asString().find(operand.asString()) != std::string::npos;
    if (container.isMapping())
      return !container.member(operand.toString()).isUndefined();
    return false;
  }
  return Status::error("unknown test '" + name + "'");
}

/// str.startswith/endswith with a string or a tuple of strings.
static StatusOr<Value> affixTest(const std::string &s, const Value &pattern,
                                 bool prefix) {
  auto matches = [&](const std::string &p) {
    if (p.size() > s.size())
      return false;
    return prefix ? s.compare(0, p.size(), p) == 0
                  : s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  if (pattern.isString())
    return Value::boolean(matches(pattern.asString()));
  if (pattern.isList()) {
    for (const Value &p : pattern.asList()) {
      if (!p.isString())
        return Status::error(
            "startswith/endswith: tuple items must be strings");
      if (matches(p.asString()))
        return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  return Status::error(
      "startswith/endswith needs a string or a tuple of strings");
}

StatusOr<Value> callMethod(const Value &object, const std::string &name,
                           const Arguments &args) {
  if (object.isString()) {
    const std::string &s = object.asString();
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      Value chars = args.get(0, "chars");
      return Value::string(
          stripText(s, name != "rstrip", name != "lstrip",
                    chars.isString() ? &chars.asString() : nullptr));
    }
    if (name == "startswith" || name == "endswith")
      return affixTest(s, args.get(0, "prefix"), name == "startswith");
    if (name == "split") {
      Value separator = args.get(0, "sep");
      LLMC_ASSIGN_OR_RETURN(
          int64_t maxsplit,
          optionalInt(args.get(1, "maxsplit"), -1, "maxsplit"));
      std::vector<std::string> parts;
      if (separator.isUndefined() || separator.isNone()) {
        parts = splitWhitespace(s, maxsplit);
      } else if (!separator.isString() || separator.asString().empty()) {
        return Status::error("split needs a non-empty string separator");
      } else {
        parts = splitText(s, separator.asString(), maxsplit);
      }
      List out;
      for (std::string &part : parts)
        out.push_back(Value::string(std::move(part)));
      return Value::list(std::move(out));
    }
    if (name == "upper" || name == "lower" || name == "title" ||
        name == "capitalize" || name == "replace")
      return applyFilter(name, object, args);
    return Status::error("strings have no method '" + name + "'");
  }
  if (object.isMapping()) {
    if (name == "items" || name == "keys" || name == "values") {
      List out;
      for (const auto &[key, value] : object.asDict()) {
        if (name == "items")
          out.push_back(Value::list({Value::string(key), value}));
        else
          out.push_back(name == "keys" ? Value::string(key) : value);
      }
      return Value::list(std::move(out));
    }
    if (name == "get") {
      Value key = args.get(0, "key");
      Value found = object.member(key.toString());
      if (!found.isUndefined())
        return found;
      Value fallback = args.get(1, "default");
      return fallback.isUndefined() ? Value::none() : fallback;
    }
    return Status::error("dicts have no method '" + name + "'");
  }
  return Status::error(std::string("a ") + object.kindName() +
                       " has no method '" + name + "'");
}

const std::vector<std::string> &globalFunctionNames() {
  static const std::vector<std::string> names = {
      "namespace", "range", "raise_exception", "strftime_now"};
  return names;
}

StatusOr<Value> callGlobal(const std::string &name, const Arguments &args) {
  if (name == "namespace") {
    Dict entries;
    if (!args.positional.empty()) {
      const Value &source = args.positional[0];
      if (!source.isMapping())
        return Status::error("namespace() takes a dict and keyword arguments");
      entries = source.asDict();
    }
    Value ns = Value::ns(std::move(entries));
    for (const auto &[key, value] : args.keywords)
      ns.setMember(key, value);
    return ns;
  }
  if (name == "range") {
    int64_t start = 0, stop, step = 1;
    for (const Value &v : args.positional)
      if (v.kind() != Value::Kind::Int)
        return Status::error("range() takes integers");
    if (args.positional.size() == 1) {
      stop = args.positional[0].asInt();
    } else if (args.positional.size() == 2 || args.positional.size() == 3) {
      start = args.positional[0].asInt();
      stop = args.positional[1].asInt();
      if (args.positional.size() == 3)
        step = args.positional[2].asInt();
    } else {
      return Status::error("range() takes 1 to 3 arguments");
    }
    if (step == 0)
      return Status::error("range() step must not be zero");
    List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
      out.push_back(Value::integer(i));
    return Value::list(std::move(out));
  }
  if (name == "raise_exception")
    return Status::error("the template raised an exception: " +
                         args.get(0, "").toString());
  if (name == "strftime_now") {
    Value format = args.get(0, "format");
    if (!format.isString())
      return Status::error("strftime_now() takes a format string");
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buf[256];
    size_t n =
        std::strftime(buf, sizeof buf, format.asString().c_str(), &local);
    return Value::string(std::string(buf, n));
  }
  return Status::error("unknown function '" + name + "'");
}

} // namespace llmc::chat
