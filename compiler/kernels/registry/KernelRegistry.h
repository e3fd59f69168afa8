// KernelRegistry: everything the host side knows of each kernel-library
// template (compiler/kernels/*.cuh), stated once. A definition gives the
// template's name, C++ name and header, its template parameters in
// declaration order, the constants its wrapper bakes in, the wrapper's
// parameters (C type, binding kind and name) and the function that writes
// the wrapper's body. Tile selection and cost terms live beside each
// definition (KernelSelection.h), one file per family:
//
//   NormKernels.cpp        Embed, RmsNorm, AddRmsNorm, RmsNormGather
//   ProjectionKernels.cpp  Gemv, GemmMma (+ Epilogues.cpp: their epilogues)
//   AttentionKernels.cpp   PagedAttentionPrefill, PagedAttentionDecode*
//   StepKernels.cpp        Sampling, SlotUpdate
//
// Readers: llm-outline-kernels (through KernelSelection), the kernel
// dialect's verifier (planWrapper on the op, so llm-opt rejects what codegen
// would), the code generator (Wrapper.h) and the GPU tests. MLIR-free.
#pragma once

#include "compiler/kernels/registry/CudaWriter.h"
#include "compiler/kernels/registry/LaunchSpec.h"
#include "compiler/kernels/registry/Wrapper.h"

#include <string>
#include <vector>

namespace llmc::codegen {

/// How a projection epilogue enters the wrapper: its type, its parameters
/// (after x and w) and the lines that fill its Params struct.
struct EpilogueDef {
  const char *name;    ///< in the IR: "RopeKvWrite"
  const char *cppName; ///< in the library: "RopeKvWriteEpilogue"
  std::vector<std::string> params;
  std::vector<std::string> constants;
  std::vector<WrapperParam> (*parameters)();
  /// Writes `params.field = parameter;` lines.
  void (*fill)(const LaunchSpec &launch, CudaWriter &out);
  /// The C++ template arguments, in declaration order.
  std::string (*arguments)(const LaunchSpec &launch);
  /// Constants the launch may carry that the wrapper does not need.
  std::vector<std::string> optionalConstants = {};
};

/// One kernel-library template as the host sees it.
struct KernelDef {
  const char *name;    ///< in the IR: "Sampling"
  const char *cppName; ///< in the library: "SamplingKernel"
  const char *header;
  /// Integer template parameters, in declaration order.
  std::vector<std::string> params;
  /// Constants the wrapper bakes in (the launch must give exactly these,
  /// plus its epilogue's, plus any of optionalConstants).
  std::vector<std::string> constants;
  bool takesEpilogue;
  /// The wrapper's parameters; for projections the epilogue's go between
  /// x, w and rows.
  std::vector<WrapperParam> (*parameters)(const Wrapper &wrapper);
  /// The C++ type, when it is not cppName<params...>; `epilogue` is how it
  /// names its epilogue type.
  std::string (*type)(const Wrapper &wrapper, const std::string &epilogue);
  /// The lines after `using Kernel = ...;` and the block-size check.
  void (*body)(const Wrapper &wrapper, CudaWriter &out);
  /// __launch_bounds__'s second argument (minimum blocks per SM), 0: none.
  int minBlocksPerSm = 0;
  /// Constants the launch may carry besides `constants` (a projection over
  /// all slots bakes its row count in as num_rows).
  std::vector<std::string> optionalConstants = {};
  /// Lines the wrapper runs before it waits for the previous kernel
  /// (programmatic dependent launch, Common.cuh): work that reads nothing a
  /// kernel writes, such as weight prefetches. Null: none.
  void (*beforeWait)(const Wrapper &wrapper, CudaWriter &out) = nullptr;
  /// Template parameters with a C++ default that a launch may leave out
  /// (after `params` in declaration order).
  std::vector<std::string> optionalParams = {};
  /// The kernel's __cluster_dims__ ("1, 1, 4"), or "" for no cluster. Null:
  /// never a cluster.
  std::string (*clusterDims)(const Wrapper &wrapper) = nullptr;
};

/// Every definition, in no particular order; names are unique.
const std::vector<KernelDef> &kernelDefs();
const std::vector<EpilogueDef> &epilogueDefs();
/// The definition named `name`, or nullptr.
const KernelDef *findKernelDef(const std::string &name);
const EpilogueDef *findEpilogueDef(const std::string &name);

// Each family file's definitions (gathered by kernelDefs()).
std::vector<KernelDef> normKernelDefs();
std::vector<KernelDef> projectionKernelDefs();
std::vector<KernelDef> attentionKernelDefs();
std::vector<KernelDef> stepKernelDefs();
std::vector<EpilogueDef> projectionEpilogueDefs();

/// `wrapper`'s epilogue as a C++ type: "SwiGluEpilogue<1536>".
std::string epilogueType(const Wrapper &wrapper);

//===----------------------------------------------------------------------===//
// Wrapper parameters and baked constants, for the definitions
//===----------------------------------------------------------------------===//

inline WrapperParam arena(const char *type, const char *name) {
  return {type, name, ArgKind::Arena, "", false};
}
inline WrapperParam weight(const char *name) {
  return {"const bf16 *", name, ArgKind::Weight, "", false};
}
inline WrapperParam input(const char *type, const char *name,
                          const char *binding, bool nullable = false) {
  return {type, name, ArgKind::Input, binding, nullable};
}
inline WrapperParam slot(const char *type, const char *binding) {
  return {type, std::string("slot_") + binding, ArgKind::Slot, binding, false};
}
inline WrapperParam scalar(const char *name) {
  return {"int", name, ArgKind::Scalar, name, false};
}

/// The constant `name` of the launch as C source (an integer or a float).
inline std::string constantText(const LaunchSpec &launch,
                                const std::string &name) {
  const BakedConstant &c = launch.constants.at(name);
  return c.isInteger ? std::to_string(c.integer) : floatLiteral(c.real);
}

/// A float constant, also when the IR wrote it as an integer (scale 1).
inline std::string floatConstantText(const LaunchSpec &launch,
                                     const std::string &name) {
  return floatLiteral(launch.constants.at(name).asDouble());
}

} // namespace llmc::codegen
