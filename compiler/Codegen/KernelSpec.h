// KernelSpec: the kernel launches of an engine's phases as plain data, the
// form the code generator works from.
//
// The kernel IR (`kernel.launch` ops after memory planning) is read into
// these structs once (KernelIrReader.h); the CUDA emitter and the manifest
// builder take them from here. Keeping them MLIR-free lets both be tested
// (and their output compiled by NVRTC) without building IR.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc::codegen {

/// A number baked into a wrapper: an integer (strides, counts) or a float
/// (eps, scale).
struct BakedConstant {
  bool isInteger = true;
  int64_t integer = 0;
  double real = 0;

  static BakedConstant ofInteger(int64_t value) { return {true, value, 0}; }
  static BakedConstant ofReal(double value) { return {false, 0, value}; }
  double asDouble() const { return isInteger ? double(integer) : real; }
  bool operator==(const BakedConstant &other) const {
    return isInteger == other.isInteger &&
           (isInteger ? integer == other.integer : real == other.real);
  }
};

/// One `kernel.launch`, arena slices already planned.
struct LaunchSpec {
  std::string kernel;       ///< the kernel's function name
  std::string templateName; ///< "Gemv", "GemmMma", "Embed", ...
  /// Integer template parameters by name (the emitter orders them as the
  /// template declares them).
  std::map<std::string, int64_t> params;
  std::string epilogue; ///< projections only: "StoreBf16", "RopeKvWrite", ...
  std::map<std::string, int64_t> epilogueParams;
  std::map<std::string, BakedConstant> constants;
  std::vector<std::string> fused; ///< the llm ops the launch executes
  int64_t layer = -1;             ///< decoder layer, -1 for none
  std::array<std::string, 3> grid;
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
  /// The wrapper's parameters in order. A Null binding is a pointer
  /// parameter the runtime passes as nullptr.
  std::vector<KernelArg> args;
  LaunchCost cost;
  /// Operand and result types as the IR prints them (kv-cache values
  /// omitted), for the wrapper's comment: "tensor<8x288xbf16>".
  std::vector<std::string> operandTypes;
  std::vector<std::string> resultTypes;
  /// kernel.launch's few_rows: this launch with another GemmMma tile, as the
  /// kernel `<kernel>_few_rows`, run instead when a step has at most
  /// fewRowsMaxRows token rows. Null when the launch has no such tile.
  std::shared_ptr<const LaunchSpec> fewRows;
  int64_t fewRowsMaxRows = 0;
};

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
/// launch's few-rows kernel right after its own). Fails
/// when two launches share a name but not an instantiation (template,
/// params, epilogue and its params, constants, block, dynamic shared memory,
/// argument kinds and names).
StatusOr<std::vector<KernelSpec>> distinctKernels(const PhaseSpec &phase);

} // namespace llmc::codegen
