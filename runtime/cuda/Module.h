// Module and Function: a loaded cubin or PTX image and the kernels in it.
//
// Loading goes through cuModuleLoadDataEx with the JIT's error and info log
// buffers attached, so a PTX image the driver cannot compile (or a cubin for
// another arch) fails with the driver's own explanation.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

#include <string>
#include <vector>

namespace llmc::cuda {

/// A kernel in a loaded Module. A plain handle: valid while its Module lives.
class Function {
public:
  Function(const CudaDriver &driver, CUfunction function, std::string name)
      : driver_(&driver), function_(function), name_(std::move(name)) {}

  /// Allows launches with up to `bytes` of dynamic shared memory (past the
  /// 48 KiB every kernel gets, up to the device's opt-in limit).
  Status setMaxDynamicSharedMemory(int bytes) const;
  /// One cuFuncGetAttribute value (registers, static shared memory, ...).
  StatusOr<int> attribute(CUfunction_attribute attribute) const;

  CUfunction handle() const { return function_; }
  const std::string &name() const { return name_; }
  const CudaDriver &driver() const { return *driver_; }

private:
  const CudaDriver *driver_;
  CUfunction function_;
  std::string name_;
};

/// Move-only owner of a CUmodule in the current context.
class Module {
public:
  /// Loads a cubin (an ELF image); `description` names it in errors.
  static StatusOr<Module> loadCubin(const CudaDriver &driver,
                                    const std::vector<char> &cubin,
                                    const std::string &description);
  /// Loads PTX text, which the driver compiles for the current device.
  static StatusOr<Module> loadPtx(const CudaDriver &driver,
                                  const std::string &ptx,
                                  const std::string &description);

  Module(Module &&other) noexcept;
  Module &operator=(Module &&other) noexcept;
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;
  ~Module();

  /// The kernel named `name` (its mangled name unless declared extern "C").
  StatusOr<Function> function(const std::string &name) const;
  /// Device address and size of the __device__ variable `name`.
  StatusOr<std::pair<CUdeviceptr, std::size_t>>
  global(const std::string &name) const;

  CUmodule handle() const { return module_; }
  const std::string &description() const { return description_; }

private:
  Module(const CudaDriver &driver, CUmodule module, std::string description)
      : driver_(&driver), module_(module),
        description_(std::move(description)) {}
  /// `image` must be NUL-terminated when it is PTX.
  static StatusOr<Module> load(const CudaDriver &driver, const void *image,
                               const std::string &description);
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUmodule module_ = nullptr;
  std::string description_;
};

} // namespace llmc::cuda
