// Reads the DT_NEEDED entries of an ELF file: what the dynamic loader must find
// before main() runs. Tests use it to prove that no test executable links
// libcuda or libnvrtc (both are loaded at run time, so binaries start
// anywhere).
#pragma once

#include "runtime/Status.h"

#include <string>
#include <vector>

namespace llmc::test {

/// The shared libraries the ELF64 file at `path` names as DT_NEEDED.
StatusOr<std::vector<std::string>> neededLibraries(const std::string &path);

} // namespace llmc::test
