// ManifestEntries: the manifest's account of the generated code: a Phase per
// launch sequence, a KernelModule per translation unit, and the constant
// tables the launches bind (runtime/engine/Manifest.h).
#pragma once

#include "compiler/Codegen/CudaEmitter.h"
#include "compiler/Codegen/KernelSpec.h"
#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"
#include "runtime/model/ModelConfig.h"

#include <map>
#include <string>
#include <vector>

namespace llmc::codegen {

/// Where a phase's files live inside the engine directory.
std::string engineSourcePath(const std::string &phase); ///< kernels/P.cu
std::string engineCubinPath(const std::string &phase, const std::string &arch);
std::string enginePtxPath(const std::string &phase, const std::string &arch);

/// `phase` as the runtime runs it: launches with their grids, bindings and
/// costs, its arena, its outputs; its module is the one named after it.
Phase phaseEntry(const PhaseSpec &phase);

/// The module of a phase's unit, its source at engineSourcePath(); the PTX,
/// cubins and per-arch resources are filled in by whoever compiles it.
KernelModule moduleEntry(const std::string &phase, const PhaseSource &unit);

/// The constant tables the launches bind, computed from `config` on the host:
///   rope_inv_freq  fp32 [head_dim / 2], exactly the CPU reference's
///                  ref::ropeInverseFrequencies (Llama 3 scaling included).
/// Fails for a constant no table is known for.
StatusOr<std::map<std::string, std::vector<float>>>
engineConstants(const std::vector<PhaseSpec> &phases,
                const ModelConfig &config);

} // namespace llmc::codegen
