// Whole-file reads with errors that name the file (see FileContents.h).
#include "runtime/tokenizer/FileContents.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmc {

StatusOr<std::string> readFileContents(const std::string &path) {
  // An ifstream opens a directory without complaint and then reads nothing.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Status::error("cannot read '" + path + "': it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error("cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad())
    return Status::error("cannot read '" + path + "': " + std::strerror(errno));
  return buffer.str();
}

} // namespace llmc
