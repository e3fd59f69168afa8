// The data-sheet table of GPU ceilings.
#include "runtime/estimate/DeviceCeilings.h"

#include <algorithm>
#include <cctype>

namespace llmc {

namespace {

struct TableEntry {
  const char *key;
  const char *deviceNameToken; ///< what the CUDA device name contains
  DeviceCeilings ceilings;
};

const std::vector<TableEntry> &table() {
  static const std::vector<TableEntry> entries = {
      {"h100", "h100", {"H100 SXM", 3.35e12, 989e12, "data sheet"}},
      {"h200", "h200", {"H200", 4.8e12, 989e12, "data sheet"}},
      {"a100", "a100", {"A100 80GB", 2.0e12, 312e12, "data sheet"}},
  };
  return entries;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

} // namespace

Status DeviceCeilings::validate() const {
  if (!(bandwidthBytesPerSecond > 0))
    return Status::error("device " + name + ": memory bandwidth must be " +
                         "positive, got " +
                         std::to_string(bandwidthBytesPerSecond) + " B/s");
  if (!(matrixFlopsPerSecond > 0))
    return Status::error("device " + name + ": matrix rate must be " +
                         "positive, got " +
                         std::to_string(matrixFlopsPerSecond) + " FLOP/s");
  return Status::ok();
}

const std::vector<std::string> &knownGpuKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> result;
    for (const TableEntry &entry : table())
      result.push_back(entry.key);
    return result;
  }();
  return keys;
}

StatusOr<DeviceCeilings> knownGpu(const std::string &key) {
  for (const TableEntry &entry : table())
    if (lowercase(key) == entry.key)
      return entry.ceilings;
  std::string known;
  for (const std::string &k : knownGpuKeys())
    known += (known.empty() ? "" : ", ") + k;
  return Status::error("unknown GPU '" + key + "' (known: " + known + ")");
}

std::optional<DeviceCeilings> knownGpuForDeviceName(const std::string &name) {
  const std::string lower = lowercase(name);
  for (const TableEntry &entry : table())
    if (lower.find(entry.deviceNameToken) != std::string::npos)
      return entry.ceilings;
  return std::nullopt;
}

} // namespace llmc
