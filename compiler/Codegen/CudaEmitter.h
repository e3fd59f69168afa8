// CudaEmitter: one CUDA translation unit per phase (prefill.cu, decode.cu,
// sample.cu) holding a wrapper for each distinct kernel of the phase.
//
// The unit includes the kernel-library headers its kernels use, then, per
// kernel in order of first launch, a comment naming the fused llm ops, the
// template instantiation, the shapes, the launch shape and the layers whose
// launches run it, followed by the wrapper
// (compiler/kernels/registry/Wrapper.h).
#pragma once

#include "compiler/Codegen/KernelSpec.h"
#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"

#include <map>
#include <string>
#include <vector>

namespace llmc::codegen {

/// A phase's translation unit and the kernels it defines.
struct PhaseSource {
  std::string fileName; ///< "decode.cu"
  std::string source;
  /// Name and instantiation of every kernel, in the unit's order; the
  /// driver adds the resources ptxas reports.
  std::vector<KernelInfo> kernels;
  /// Kernels only some archs define (arch-guarded variants): name -> archs.
  std::map<std::string, std::vector<std::string>> onlyArchs;
};

/// Writes `phase`'s unit. Fails when launches sharing a kernel name disagree
/// on the instantiation, or a launch does not fit its template.
StatusOr<PhaseSource> emitPhaseSource(const PhaseSpec &phase);

/// "layers 0-5, 7 (7 launches)", "no layer (1 launch)": who runs a kernel.
std::string describeLaunches(const KernelSpec &kernel);

} // namespace llmc::codegen
