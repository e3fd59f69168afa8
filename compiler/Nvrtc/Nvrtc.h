// Nvrtc: compiles CUDA C++ to cubin and PTX with NVRTC, in the compiler (to
// embed cubins in engines) and in the runtime (when an engine has no cubin for
// the device's arch). MLIR-free, and needs no GPU.
//
// Every compile passes these options, then the request's extra options:
//   --std=c++17               the language the kernel library is written in
//   --gpu-architecture=ARCH   sm_XX[a|f] when a cubin is wanted (NVRTC then
//                             produces the PTX too), compute_XX[a|f] for PTX
//                             alone (no ptxas run)
//   -default-device           unannotated functions are device functions, so
//                             kernel-library helpers need no __device__
//   -lineinfo                 source lines for profilers and
//                             compute-sanitizer; no effect on the code
//   --ptxas-options=-v        (cubin only) ptxas reports registers, spills and
//                             stack per kernel into the program log, parsed
//                             into CompileResult::kernels (PtxasInfo.h)
//   --no-cache                where a driver is installed, NVRTC 13 otherwise
//                             reuses cubins from the driver's compute cache,
//                             and a reused cubin comes without ptxas' report;
//                             llmc caches compiles itself (CompileCache.h)
//   -I<toolkit>/include       when found: cuda_fp16.h and cuda_bf16.h are not
//                             built into NVRTC
#pragma once

#include "compiler/Nvrtc/PtxasInfo.h"
#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc::nvrtc {

struct NvrtcLibrary;

/// One translation unit to compile.
struct CompileRequest {
  /// File name in diagnostics ("attention.cu"); "kernel.cu" when empty.
  std::string name;
  std::string source;
  /// Headers the source includes by these names, given to NVRTC in memory.
  std::map<std::string, std::string> headers;
  /// Target, "sm_80", "sm_89", "sm_90a", ...
  std::string arch;
  /// Appended after the standard options ("-DTILE=64", "--use_fast_math").
  std::vector<std::string> options;
  /// Template instantiations to name ("gemv<128, 4>"); their mangled names come
  /// back in CompileResult::loweredNames. Non-template kernels can simply be
  /// declared extern "C".
  std::vector<std::string> nameExpressions;
  bool wantCubin = true;
  bool wantPtx = true;
};

/// What a successful compile produced.
struct CompileResult {
  std::vector<char> cubin; ///< an ELF image; empty unless wantCubin
  std::string ptx;         ///< empty unless wantPtx
  std::string log;         ///< NVRTC's full program log (warnings, ptxas info)
  /// Per-kernel resources from ptxas; empty for PTX-only compiles.
  std::vector<KernelResources> kernels;
  /// Name expression -> mangled kernel name.
  std::map<std::string, std::string> loweredNames;

  /// The kernel with this mangled name, or null.
  const KernelResources *kernel(const std::string &mangledName) const;
};

/// The NVRTC compiler. Cheap to copy (copies share the loaded library and the
/// compile counter); thread-safe, since NVRTC compiles separate programs
/// concurrently.
class Nvrtc {
public:
  /// Loads libnvrtc.so.13 (the loader path, then /usr/local/cuda/lib64).
  static StatusOr<Nvrtc> load();

  /// NVRTC's version, "13.0".
  const std::string &version() const;
  /// Where the library was loaded from.
  const std::string &libraryPath() const;
  /// The archs NVRTC accepts, "sm_75" ... "sm_120".
  std::vector<std::string> supportedArchs() const;

  /// The exact options compile() passes for `request` (standard + extra), the
  /// ones a compile cache must key on.
  StatusOr<std::vector<std::string>>
  options(const CompileRequest &request) const;

  /// Compiles one request. A compile error's message contains NVRTC's log
  /// ("attention.cu(12): error: ..."); an arch NVRTC does not support is
  /// rejected before compiling, with the list of those it does.
  StatusOr<CompileResult> compile(const CompileRequest &request) const;

  /// Compiles every request on `threads` workers (0: one per hardware thread);
  /// result i belongs to request i.
  std::vector<StatusOr<CompileResult>>
  compileAll(const std::vector<CompileRequest> &requests,
             unsigned threads = 0) const;

  /// How many times this Nvrtc (and its copies) invoked nvrtcCompileProgram.
  std::uint64_t compileCount() const;

private:
  struct Shared;
  explicit Nvrtc(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<Shared> shared_;
};

} // namespace llmc::nvrtc
