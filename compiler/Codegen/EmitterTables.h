// The tables behind WrapperEmitters: one entry per kernel-library template
// (TemplateEmitters.cpp) and per projection epilogue (EpilogueEmitters.cpp),
// and the small helpers their entries share. Internal to the code generator.
#pragma once

#include "compiler/Codegen/CudaWriter.h"
#include "compiler/Codegen/KernelSpec.h"
#include "compiler/Codegen/WrapperEmitters.h"

#include <string>
#include <vector>

namespace llmc::codegen {

/// How a projection epilogue enters the wrapper: its type, its parameters
/// (after x and w) and the lines that fill its Params struct.
struct EpilogueEmitter {
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

/// How one kernel-library template's wrapper is written.
struct TemplateEmitter {
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
};

/// The tables, in no particular order; names are unique.
const std::vector<EpilogueEmitter> &epilogueEmitters();
const std::vector<TemplateEmitter> &templateEmitters();

/// `wrapper`'s epilogue as a C++ type: "SwiGluEpilogue<1536>".
std::string epilogueType(const Wrapper &wrapper);

//===----------------------------------------------------------------------===//
// Wrapper parameters and baked constants
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
