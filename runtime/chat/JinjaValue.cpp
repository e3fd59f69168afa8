// Jinja values: construction, truthiness, printing, equality and JSON.
#include "runtime/chat/JinjaValue.h"

#include "runtime/chat/TextFunctions.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace llmc::chat {

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.b_ = b;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Int;
  v.i_ = i;
  return v;
}
Value Value::floating(double f) {
  Value v;
  v.kind_ = Kind::Float;
  v.f_ = f;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  v.s_ = std::move(s);
  return v;
}
Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::List;
  v.list_ = std::make_shared<const List>(std::move(items));
  return v;
}
Value Value::dict(Dict entries) {
  Value v;
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<Dict>(std::move(entries));
  return v;
}
Value Value::ns(Dict entries) {
  Value v = dict(std::move(entries));
  v.kind_ = Kind::Namespace;
  return v;
}

Value Value::function(std::string name) {
  Value v = string(std::move(name));
  v.kind_ = Kind::Function;
  return v;
}

double Value::asNumber() const {
  switch (kind_) {
  case Kind::Int:
    return static_cast<double>(i_);
  case Kind::Float:
    return f_;
  case Kind::Bool:
    return b_ ? 1 : 0;
  default:
    return 0;
  }
}

Value Value::member(const std::string &key) const {
  if (!isMapping())
    return Value();
  for (const auto &[name, value] : *dict_)
    if (name == key)
      return value;
  return Value();
}

void Value::setMember(const std::string &key, Value value) const {
  for (auto &[name, existing] : *dict_) {
    if (name == key) {
      existing = std::move(value);
      return;
    }
  }
  dict_->emplace_back(key, std::move(value));
}

bool Value::truthy() const {
  switch (kind_) {
  case Kind::Undefined:
  case Kind::None:
    return false;
  case Kind::Bool:
    return b_;
  case Kind::Int:
    return i_ != 0;
  case Kind::Float:
    return f_ != 0;
  case Kind::String:
    return !s_.empty();
  case Kind::List:
    return !list_->empty();
  case Kind::Dict:
    return !dict_->empty();
  case Kind::Namespace:
  case Kind::Function:
    return true;
  }
  return false;
}

/// JavaScript's Number.prototype.toString for the values templates meet:
/// the shortest text that reads back as the same double.
static std::string shortestDouble(double f) {
  if (std::isnan(f))
    return "NaN";
  if (std::isinf(f))
    return f > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  return std::string(buf, end);
}

std::string Value::toString() const {
  switch (kind_) {
  case Kind::Undefined:
  case Kind::None:
    return "";
  case Kind::Function:
    return "<function " + s_ + ">";
  case Kind::Bool:
    return b_ ? "true" : "false";
  case Kind::Int:
    return std::to_string(i_);
  case Kind::Float:
    if (f_ == 0 && std::signbit(f_))
      return "-0.0";
    if (std::isfinite(f_) && f_ == std::floor(f_) && std::fabs(f_) < 1e21) {
      char buf[64];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, f_, std::chars_format::fixed, 1);
      return std::string(buf, end);
    }
    return shortestDouble(f_);
  case Kind::String:
    return s_;
  case Kind::List:
  case Kind::Dict:
  case Kind::Namespace: {
    JsonOptions options;
    options.undefinedAsNull = false;
    return toJson(*this, options);
  }
  }
  return "";
}

const char *Value::kindName() const {
  switch (kind_) {
  case Kind::Undefined:
    return "undefined";
  case Kind::None:
    return "none";
  case Kind::Bool:
    return "boolean";
  case Kind::Int:
    return "integer";
  case Kind::Float:
    return "float";
  case Kind::String:
    return "string";
  case Kind::List:
    return "list";
  case Kind::Dict:
    return "dict";
  case Kind::Namespace:
    return "namespace";
  case Kind::Function:
    return "function";
  }
  return "?";
}

bool equal(const Value &a, const Value &b) {
  using K = Value::Kind;
  if ((a.isNumber() || a.kind() == K::Bool) &&
      (b.isNumber() || b.kind() == K::Bool)) {
    // JavaScript's loose ==, as @huggingface/jinja: true == 1.
    return a.asNumber() == b.asNumber();
  }
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case K::Undefined:
  case K::None:
    return true;
  case K::String:
  case K::Function:
    return a.asString() == b.asString();
  case K::List: {
    const List &x = a.asList(), &y = b.asList();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equal(x[i], y[i]))
        return false;
    return true;
  }
  case K::Dict:
  case K::Namespace: {
    const Dict &x = a.asDict(), &y = b.asDict();
    if (x.size() != y.size())
      return false;
    for (const auto &[key, value] : x)
      if (!equal(value, b.member(key)))
        return false;
    return true;
  }
  default:
    return false;
  }
}

/// JSON.stringify of a string; with ensureAscii, every UTF-16 unit from
/// U+007F up is written as \uXXXX.
static std::string jsonString(const std::string &s, bool ensureAscii) {
  std::string out = "\"";
  auto hex4 = [&](unsigned unit) {
    static const char digits[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
      out += digits[(unit >> shift) & 0xF];
  };
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || (ensureAscii && c == 0x7f))
          hex4(c);
        else
          out += static_cast<char>(c);
      }
      continue;
    }
    size_t length = 1;
    uint32_t cp = decodeCodePoint(s, i, &length);
    if (ensureAscii) {
      if (cp >= 0x10000) {
        hex4(0xD800 + ((cp - 0x10000) >> 10));
        hex4(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        hex4(cp);
      }
    } else {
      out.append(s, i, length);
    }
    i += length;
  }
  return out + "\"";
}

std::string toJson(const Value &value, const JsonOptions &options, int depth) {
  using K = Value::Kind;
  const std::string itemSep = options.indent > 0 ? "," : ", ";
  const std::string pad(options.indent, ' ');
  auto padding = [&](int level) {
    std::string p = "\n";
    for (int i = 0; i < level; ++i)
      p += pad;
    return p;
  };
  switch (value.kind()) {
  case K::Undefined:
  case K::Function:
    return options.undefinedAsNull ? "null" : "undefined";
  case K::None:
    return "null";
  case K::Bool:
    return value.asBool() ? "true" : "false";
  case K::Int:
    return std::to_string(value.asInt());
  case K::Float: {
    // JSON.stringify writes 1.0 as 1.
    double f = value.asNumber();
    if (!std::isfinite(f))
      return "null";
    return shortestDouble(f);
  }
  case K::String:
    return jsonString(value.asString(), options.ensureAscii);
  case K::List: {
    std::vector<std::string> items;
    for (const Value &item : value.asList())
      items.push_back(toJson(item, options, depth + 1));
    if (items.empty())
      return "[]";
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i)
        out += itemSep;
      if (options.indent > 0)
        out += padding(depth + 1);
      out += items[i];
    }
    if (options.indent > 0)
      out += padding(depth);
    return out + "]";
  }
  case K::Dict:
  case K::Namespace: {
    Dict entries = value.asDict();
    if (options.sortKeys)
      std::stable_sort(
          entries.begin(), entries.end(),
          [](const auto &a, const auto &b) { return a.first < b.first; });
    if (entries.empty())
      return "{}";
    std::string out = "{";
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i)
        out += itemSep;
      if (options.indent > 0)
        out += padding(depth + 1);
      out += jsonString(entries[i].first, options.ensureAscii) + ": " +
             toJson(entries[i].second, options, depth + 1);
    }
    if (options.indent > 0)
      out += padding(depth);
    return out + "}";
  }
  }
  return "null";
}

} // namespace llmc::chat
