// The CUDA kernel library (compiler/kernels/*.cuh) and the engine ABI header
// it includes (runtime/engine/EngineAbi.h), embedded at build time.
//
// The code generator's wrappers #include these headers by file name; NVRTC
// receives every entry as a named header, in the compiler (to build cubins) and
// in the runtime (to compile for a device the engine has no cubin for).
#pragma once

#include <map>
#include <string>

namespace llmc::kernels {

/// File name ("Gemv.cuh", "EngineAbi.h") -> contents, for every header of
/// the library.
const std::map<std::string, std::string> &kernelHeaders();

} // namespace llmc::kernels
