// WrapperEmitters: the `extern "C" __global__` wrapper the code generator
// writes for one kernel of the kernel library (compiler/kernels/README.md).
//
// Each template (Gemv, GemmMma, Embed, ...) and each projection epilogue
// (StoreBf16, RopeKvWrite, ...) has one entry in a table (EmitterTables.h,
// TemplateEmitters.cpp, EpilogueEmitters.cpp): its header, its template
// parameters in declaration order, the constants its wrapper bakes in, the
// wrapper's parameters (C type and the binding the launch must give each one),
// and a function writing the body. A launch is checked against its entry before
// anything is written, so a mismatch between the kernel IR and the library is
// an error naming the kernel, not a C++ compile error.
#pragma once

#include "compiler/Codegen/CudaWriter.h"
#include "compiler/Codegen/KernelSpec.h"
#include "runtime/Status.h"

#include <string>
#include <vector>

namespace llmc::codegen {

struct TemplateEmitter;
struct EpilogueEmitter;

/// One parameter of a wrapper and the binding that feeds it.
struct WrapperParam {
  std::string type; ///< C type: "const bf16 *", "int"
  std::string name; ///< C name inside the wrapper
  ArgKind kind;     ///< the binding kind the launch must give it
  /// Input/Slot/Scalar/Constant: the binding's required name.
  std::string bindingName;
  bool nullable = false; ///< a Null binding (nullptr) is accepted too
};

/// A launch checked against its template, ready to be written.
struct Wrapper {
  const LaunchSpec *launch = nullptr;
  const TemplateEmitter *emitter = nullptr;
  const EpilogueEmitter *epilogue = nullptr; ///< projections only
  std::string header;                        ///< "Gemv.cuh"
  std::string instantiation; ///< the C++ type: "Gemv<480, 288, ...>"
  std::vector<WrapperParam> params;
};

/// Checks `launch` against its template's entry: a known template and
/// epilogue, exactly the template parameters and constants they declare,
/// and one binding of the expected kind (and name) per wrapper parameter.
StatusOr<Wrapper> planWrapper(const LaunchSpec &launch);

/// Writes the wrapper function: `extern "C" __global__` signature with
/// `__launch_bounds__`, the template instantiation, static_asserts that the
/// launch's block (and dynamic shared memory) match the template, the
/// template's Params structs filled from the flat parameters, and the call.
void emitWrapper(const Wrapper &wrapper, CudaWriter &out);

/// "1e-05f": a float literal that reads back as the same float.
std::string floatLiteral(double value);

} // namespace llmc::codegen
