// Whole-file reads with errors that name the file (see FileContents.h).
#include "runtime/tokenizer/FileContents.h"

#include "runtime/files/RegularFile.h"

namespace llmc {

StatusOr<std::string> readFileContents(const std::string &path) {
  return readRegularFile(path);
}

} // namespace llmc
