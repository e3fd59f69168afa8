// Renders a parsed template: executes its statements against a set of
// variables and appends the text they produce.
#pragma once

#include "runtime/Status.h"
#include "runtime/chat/JinjaAst.h"

#include <string>

namespace llmc::chat {

/// Renders `program` with the top-level variables `globals`; errors carry
/// the template line.
StatusOr<std::string> evaluateTemplate(const Block &program,
                                       const Dict &globals);

} // namespace llmc::chat
