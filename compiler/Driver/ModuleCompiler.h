// ModuleCompiler: an engine's translation units compiled by NVRTC for every
// target arch (cubins, plus PTX for the lowest arch so that newer devices
// can JIT it), in parallel and through the on-disk compile cache, with
// ptxas' per-kernel resource report kept for the manifest.
#pragma once

#include "compiler/Codegen/CudaEmitter.h"
#include "compiler/Nvrtc/CompileCache.h"
#include "compiler/Nvrtc/Nvrtc.h"
#include "runtime/Status.h"
#include "runtime/support/ProgressLine.h"

#include <string>
#include <vector>

namespace llmc {

/// Oldest arch the kernel library runs on: mma.sync bf16, cp.async and
/// ldmatrix are sm_80 features.
constexpr int kOldestSupportedArch = 80;

/// Checks each arch's spelling (sm_NN, optionally with an a or f suffix) and
/// that the kernel library runs on it (sm_80 or newer).
Status checkArchNames(const std::vector<std::string> &archs);
/// checkArchNames, and that NVRTC can compile for each; names the arch and
/// what is supported.
Status checkArchs(const std::vector<std::string> &archs,
                  const nvrtc::Nvrtc &nvrtc);

/// The arch with the smallest number ("sm_80" of sm_90a, sm_80).
std::string lowestArch(const std::vector<std::string> &archs);

/// One unit compiled for one arch.
struct ArchBinary {
  std::string arch;
  std::vector<char> cubin;
  std::string ptx; ///< only for the lowest arch
  std::vector<nvrtc::KernelResources> kernels;
  bool cacheHit = false;
};

/// One unit compiled for every arch, in the order of the archs given.
struct CompiledUnit {
  std::string fileName;
  std::vector<ArchBinary> binaries;
};

/// Compiles every unit for every arch on as many threads as the machine has,
/// showing "compiling N modules for ARCH [k/N]". A cache entry that cannot
/// be used is recompiled and its problem appended to `warnings`; a compile
/// error fails with NVRTC's log.
StatusOr<std::vector<CompiledUnit>>
compileUnits(const std::vector<codegen::PhaseSource> &units,
             const std::vector<std::string> &archs, const nvrtc::Nvrtc &nvrtc,
             const nvrtc::CompileCache &cache, ProgressLine &progress,
             std::vector<std::string> &warnings);

} // namespace llmc
