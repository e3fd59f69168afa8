// The values a chat template computes with: Jinja's undefined, none, booleans,
// integers, floats, strings, lists, dicts, namespaces and built-in functions.
//
// Lists and dicts are shared immutable data (copying a Value is cheap); a
// namespace is shared mutable data, which is the whole point of Jinja's
// namespace(): `{% set ns.x = ... %}` inside a loop is seen after it.
//
// How a value prints, compares and serializes follows @huggingface/jinja (the
// Jinja of transformers.js), the oracle of our differential test; README.md
// lists where that differs from Python's Jinja2.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace llmc::chat {

class Value;
using List = std::vector<Value>;
/// Insertion-ordered, like a Python dict.
using Dict = std::vector<std::pair<std::string, Value>>;

class Value {
public:
  enum class Kind {
    Undefined,
    None,
    Bool,
    Int,
    Float,
    String,
    List,
    Dict,
    Namespace,
    Function
  };

  Value() = default; ///< undefined
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value floating(double f);
  static Value string(std::string s);
  static Value list(List items);
  static Value dict(Dict entries);
  static Value ns(Dict entries);
  /// A built-in global function (namespace, range, ...), named by `name`.
  static Value function(std::string name);

  Kind kind() const { return kind_; }
  bool isUndefined() const { return kind_ == Kind::Undefined; }
  bool isNone() const { return kind_ == Kind::None; }
  bool isString() const { return kind_ == Kind::String; }
  bool isNumber() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  bool isList() const { return kind_ == Kind::List; }
  /// A dict or a namespace: something with named members.
  bool isMapping() const {
    return kind_ == Kind::Dict || kind_ == Kind::Namespace;
  }

  bool asBool() const { return b_; }
  int64_t asInt() const { return i_; }
  /// An int, float or bool as a double.
  double asNumber() const;
  const std::string &asString() const { return s_; }
  const List &asList() const { return *list_; }
  const Dict &asDict() const { return *dict_; }

  /// The member `key` of a dict or namespace; undefined when absent.
  Value member(const std::string &key) const;
  /// Sets a namespace's member (namespaces are the only mutable values).
  void setMember(const std::string &key, Value value) const;

  /// Python truthiness: empty strings, lists and dicts, zero, none and
  /// undefined are false.
  bool truthy() const;
  /// What `{{ value }}` prints (none and undefined print nothing).
  std::string toString() const;
  /// Kind name for error messages ("string", "list", ...).
  const char *kindName() const;

private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<const List> list_;
  std::shared_ptr<Dict> dict_; // shared and mutable only for namespaces
};

/// Jinja's `==`: numbers by value, strings, booleans and none by identity,
/// lists and dicts element by element.
bool equal(const Value &a, const Value &b);

/// Options of the `tojson` filter (Python's json.dumps arguments).
struct JsonOptions {
  int indent = 0; ///< 0: one line
  bool sortKeys = false;
  bool ensureAscii = false;
  /// Undefined serializes as null in tojson, as "undefined" when a list or
  /// dict is printed.
  bool undefinedAsNull = true;
};

/// JSON text of a value, formatted like Python's json.dumps with the default
/// separators (", " and ": "; "," between items when indenting).
std::string toJson(const Value &value, const JsonOptions &options,
                   int depth = 0);

} // namespace llmc::chat
