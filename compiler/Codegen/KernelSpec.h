// KernelSpec: the kernel launches of an engine's phases as plain data, the
// form the code generator works from, grouped into the distinct kernels each
// phase's translation unit defines.
//
// The kernel IR (`kernel.launch` ops after memory planning) is read into
// these structs once (KernelIrReader.h); the CUDA emitter and the manifest
// builder take them from here. Keeping them MLIR-free lets both be tested
// (and their output compiled by NVRTC) without building IR.
#pragma once

#include "compiler/kernels/registry/LaunchSpec.h"
#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llmc::codegen {

/// One phase's launch sequence.
struct PhaseSpec {
  std::string name; ///< "prefill", "decode", "sample"
  int64_t maxRows = 0;
  uint64_t arenaBytes = 0;
  std::vector<LaunchSpec> launches;
  std::map<std::string, KernelArg> outputs; ///< arena slices, e.g. "logits"
};

/// One distinct kernel of a phase: the instantiation its launches share.
struct KernelSpec {
  /// The first launch of the kernel; the others differ only in bindings of
  /// the same kinds, layer, shapes-of-the-same-size and cost.
  const LaunchSpec *launch = nullptr;
  /// Every launch of the phase that runs this kernel, in order.
  std::vector<const LaunchSpec *> launches;

  const std::string &name() const { return launch->kernel; }
};

/// Groups `phase`'s launches by kernel name, in order of first launch (a
/// launch's variants right after its own kernel). Fails
/// when two launches share a name but not an instantiation (template,
/// params, epilogue and its params, constants, block, dynamic shared memory,
/// argument kinds and names).
StatusOr<std::vector<KernelSpec>> distinctKernels(const PhaseSpec &phase);

} // namespace llmc::codegen
