#include "runtime/engine/ArchName.h"

#include <cctype>

namespace llmc {

int archNumber(const std::string &arch) {
  if (arch.rfind("sm_", 0) != 0)
    return -1;
  size_t end = 3;
  while (end < arch.size() &&
         std::isdigit(static_cast<unsigned char>(arch[end])))
    ++end;
  std::string suffix = arch.substr(end);
  if (end == 3 || end - 3 > 4 ||
      !(suffix.empty() || suffix == "a" || suffix == "f"))
    return -1;
  return std::stoi(arch.substr(3, end - 3));
}

} // namespace llmc
