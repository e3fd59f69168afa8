// Wrapper: the `extern "C" __global__` wrapper the code generator writes for
// one kernel of the kernel library (compiler/kernels/README.md).
//
// Each template (Gemv, GemmMma, Embed, ...) and each projection epilogue
// (StoreBf16, RopeKvWrite, ...) has one definition in the kernel registry
// (KernelRegistry.h): its header, its template parameters in declaration
// order, the constants its wrapper bakes in, the wrapper's parameters (C type
// and the binding the launch must give each one), and a function writing the
// body. A launch is checked against its definition before anything is
// written (the kernel dialect's verifier runs the same check), so a mismatch
// between the kernel IR and the library is an error naming the kernel, not a
// C++ compile error.
#pragma once

#include "compiler/kernels/registry/CudaWriter.h"
#include "compiler/kernels/registry/LaunchSpec.h"
#include "runtime/Status.h"

#include <string>
#include <vector>

namespace llmc::codegen {

struct KernelDef;
struct EpilogueDef;

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
  const KernelDef *def = nullptr;
  const EpilogueDef *epilogue = nullptr; ///< projections only
  std::string header;                    ///< "Gemv.cuh"
  std::string instantiation; ///< the C++ type: "Gemv<480, 288, ...>"
  std::vector<WrapperParam> params;
};

/// Checks `launch` against its template's definition: a known template and
/// epilogue, exactly the template parameters and constants they declare,
/// and one binding of the expected kind (and name) per wrapper parameter.
StatusOr<Wrapper> planWrapper(const LaunchSpec &launch);

/// Writes the wrapper function (inside `#if` on the arch when the launch is
/// an arch-guarded variant): `extern "C" __global__` signature with
/// `__launch_bounds__`, the template instantiation, static_asserts that the
/// launch's block (and dynamic shared memory) match the template, the
/// template's Params structs filled from the flat parameters, and the call.
void emitWrapper(const Wrapper &wrapper, CudaWriter &out);

/// "1e-05f": a float literal that reads back as the same float.
std::string floatLiteral(double value);

/// The preprocessor condition that holds when NVRTC compiles for `arch`:
/// "defined(__CUDA_ARCH_FEAT_SM90_ALL)" for sm_90a, "__CUDA_ARCH__ == 800"
/// for sm_80.
std::string archCondition(const std::string &arch);

} // namespace llmc::codegen
