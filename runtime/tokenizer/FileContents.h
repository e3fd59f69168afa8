// Reads a whole file into memory with an error that names the file. The
// tokenizer files are small (under ~10 MB), so reading them at once is
// simplest.
#pragma once

#include "runtime/Status.h"

#include <string>

namespace llmc {

/// Returns the bytes of the regular file at `path` (readRegularFile's size
/// limit), or an error naming it.
StatusOr<std::string> readFileContents(const std::string &path);

} // namespace llmc
