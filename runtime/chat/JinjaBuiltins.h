// Jinja's built-in filters (`x | trim`), tests (`x is defined`), the methods
// templates call on strings and dicts (`s.strip()`, `d.items()`) and the
// global functions (namespace, range, raise_exception, strftime_now).
//
// Each returns its value or an error message without a line; the evaluator
// adds the line of the call.
#pragma once

#include "runtime/Status.h"
#include "runtime/chat/JinjaValue.h"

#include <string>
#include <vector>

namespace llmc::chat {

/// Positional and keyword arguments of a call.
struct Arguments {
  List positional;
  Dict keywords;
  /// The argument at `index`, or the keyword `name`, or undefined.
  Value get(size_t index, const std::string &name) const;
};

StatusOr<Value> applyFilter(const std::string &name, const Value &operand,
                            const Arguments &args);
StatusOr<bool> applyTest(const std::string &name, const Value &operand,
                         const Arguments &args);
/// `object.name(args)` for string and dict methods.
StatusOr<Value> callMethod(const Value &object, const std::string &name,
                           const Arguments &args);
/// The names of the global functions callGlobal knows.
const std::vector<std::string> &globalFunctionNames();
/// A global function; raise_exception comes back as an error carrying the
/// template's message.
StatusOr<Value> callGlobal(const std::string &name, const Arguments &args);

} // namespace llmc::chat
