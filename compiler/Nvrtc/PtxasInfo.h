// Parsing ptxas' verbose report (--ptxas-options=-v) out of an NVRTC program
// log into per-kernel resource counts: registers, spills, stack, shared memory.
//
// NVRTC 13 puts these lines into the program log (runs of spaces shortened):
//   ptxas info : Compiling entry function '_Z3addPfS_' for 'sm_90a'
//   ptxas info : Function properties for _Z3addPfS_
//   ptxas . 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info : Used 10 registers, used 0 barriers, 380 bytes cmem[0]
// Spills decide tile shapes later, so they are read from here rather than
// guessed.
#pragma once

#include <string>
#include <vector>

namespace llmc::nvrtc {

/// What ptxas reported for one kernel (entry function).
struct KernelResources {
  std::string mangledName; ///< the symbol to look the kernel up by
  std::string name;        ///< demangled, for people
  int registers = 0;
  int barriers = 0;
  int stackFrameBytes = 0;
  int spillStoreBytes = 0;
  int spillLoadBytes = 0;
  int sharedBytes = 0; ///< static shared memory

  bool operator==(const KernelResources &other) const;
};

/// Every entry function the log reports, in the order ptxas compiled them.
/// Lines it does not recognise are skipped; non-entry functions (device
/// functions ptxas did not inline) are not listed.
std::vector<KernelResources> parsePtxasInfo(const std::string &log);

} // namespace llmc::nvrtc
