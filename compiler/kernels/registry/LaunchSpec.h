// LaunchSpec: one kernel launch as plain data (what kernel.launch says once
// its memory is planned), the form the kernel registry writes wrappers from
// and the code generator turns into manifest entries. MLIR-free, so wrappers
// are tested and compiled by NVRTC without building IR.
#pragma once

#include "runtime/engine/Manifest.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc::codegen {

struct LaunchSpec;

/// A launch variant: the launch as it runs when `guard` holds.
struct LaunchVariantSpec {
  VariantGuard guard;
  std::shared_ptr<const LaunchSpec> launch;
};

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
  /// The archs whose code defines this kernel (an arch-guarded variant);
  /// empty: every compiled arch.
  std::vector<std::string> onlyArchs;
  /// kernel.launch's variants, in order: each is this launch with its own
  /// kernel name, template, parameters and launch shape, run instead of it
  /// when its guard holds.
  std::vector<LaunchVariantSpec> variants;
};

} // namespace llmc::codegen
