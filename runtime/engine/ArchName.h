// ArchName: the target-arch spellings engines use ("sm_80", "sm_90a"), read
// once for the compiler (which archs to build and in what order) and the
// runtime (which features the loaded code has).
#pragma once

#include <string>

namespace llmc {

/// The number of "sm_90a" (90), or -1 when the spelling is not sm_NN[a|f].
int archNumber(const std::string &arch);

} // namespace llmc
