// A line scanner for ptxas' verbose report. Each fact sits on a known line
// shape, so plain substring searches are enough and keep working when ptxas
// adds fields to a line.
#include "compiler/Nvrtc/PtxasInfo.h"

#include <cstdlib>
#include <cxxabi.h>
#include <sstream>

namespace llmc::nvrtc {
namespace {

/// Reads the decimal number that ends right before `suffix` in `line`.
bool numberBefore(const std::string &line, const char *suffix, int &out) {
  std::size_t end = line.find(suffix);
  if (end == std::string::npos)
    return false;
  std::size_t begin = end;
  while (begin > 0 && line[begin - 1] >= '0' && line[begin - 1] <= '9')
    --begin;
  if (begin == end)
    return false;
  out = std::atoi(line.substr(begin, end - begin).c_str());
  return true;
}

/// The text between `prefix` and the next `close` (or the line's end).
bool textAfter(const std::string &line, const std::string &prefix, char close,
               std::string &out) {
  std::size_t begin = line.find(prefix);
  if (begin == std::string::npos)
    return false;
  begin += prefix.size();
  std::size_t end = close ? line.find(close, begin) : std::string::npos;
  out = line.substr(begin,
                    end == std::string::npos ? std::string::npos : end - begin);
  return true;
}

std::string demangle(const std::string &mangled) {
  int status = 0;
  char *text = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
  std::string result = (status == 0 && text) ? text : mangled;
  std::free(text);
  return result;
}

} // namespace

bool KernelResources::operator==(const KernelResources &other) const {
  return mangledName == other.mangledName && name == other.name &&
         registers == other.registers && barriers == other.barriers &&
         stackFrameBytes == other.stackFrameBytes &&
         spillStoreBytes == other.spillStoreBytes &&
         spillLoadBytes == other.spillLoadBytes &&
         sharedBytes == other.sharedBytes;
}

std::vector<KernelResources> parsePtxasInfo(const std::string &log) {
  std::vector<KernelResources> kernels;
  // Index of the entry being compiled, and whether the next stack-frame line
  // describes it (not a device function ptxas kept out of line).
  int current = -1;
  bool propertiesOfCurrent = false;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("ptxas", 0) != 0)
      continue;
    std::string name;
    if (textAfter(line, "Compiling entry function '", '\'', name)) {
      kernels.push_back(KernelResources{name, demangle(name)});
      current = int(kernels.size()) - 1;
      propertiesOfCurrent = false;
      continue;
    }
    if (textAfter(line, "Function properties for ", 0, name)) {
      propertiesOfCurrent =
          current >= 0 && kernels[current].mangledName == name;
      continue;
    }
    if (current < 0)
      continue;
    KernelResources &kernel = kernels[current];
    if (propertiesOfCurrent &&
        numberBefore(line, " bytes stack frame", kernel.stackFrameBytes)) {
      numberBefore(line, " bytes spill stores", kernel.spillStoreBytes);
      numberBefore(line, " bytes spill loads", kernel.spillLoadBytes);
      propertiesOfCurrent = false;
      continue;
    }
    if (numberBefore(line, " registers", kernel.registers)) {
      numberBefore(line, " barriers", kernel.barriers);
      numberBefore(line, " bytes smem", kernel.sharedBytes);
    }
  }
  return kernels;
}

} // namespace llmc::nvrtc
