// Loading module images with the JIT logs, and looking up kernels and globals.
#include "runtime/cuda/Module.h"

#include <cstring>
#include <utility>

namespace llmc::cuda {

Status Function::setMaxDynamicSharedMemory(int bytes) const {
  Status status =
      LLMC_CU(*driver_, cuFuncSetAttribute, function_,
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
  if (status
          .isOk()) // called before large-shared-memory launches: keep it cheap
    return status;
  return status.withContext("kernel " + name_ + ": allowing " +
                            std::to_string(bytes) +
                            " bytes of dynamic shared memory");
}

StatusOr<int> Function::attribute(CUfunction_attribute attribute) const {
  int value = 0;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(*driver_, cuFuncGetAttribute, &value, attribute, function_)
          .withContext("kernel " + name_));
  return value;
}

StatusOr<Module> Module::loadCubin(const CudaDriver &driver,
                                   const std::vector<char> &cubin,
                                   const std::string &description) {
  static const char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (cubin.size() < sizeof(kElfMagic) ||
      std::memcmp(cubin.data(), kElfMagic, sizeof(kElfMagic)) != 0)
    return Status::error(description + ": not a cubin (no ELF header)");
  return load(driver, cubin.data(), description);
}

StatusOr<Module> Module::loadPtx(const CudaDriver &driver,
                                 const std::string &ptx,
                                 const std::string &description) {
  return load(driver, ptx.c_str(), description); // c_str(): NUL-terminated
}

StatusOr<Module> Module::load(const CudaDriver &driver, const void *image,
                              const std::string &description) {
  // The JIT writes its messages into these; their sizes go in as option values.
  char errorLog[8192] = {};
  char infoLog[4096] = {};
  CUjit_option options[] = {
      CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
      CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {errorLog, reinterpret_cast<void *>(sizeof(errorLog) - 1),
                    infoLog, reinterpret_cast<void *>(sizeof(infoLog) - 1)};
  CUmodule module = nullptr;
  CUresult result = driver.cuModuleLoadDataEx(
      &module, image, unsigned(sizeof(options) / sizeof(options[0])), options,
      values);
  if (result != CUDA_SUCCESS) {
    std::string message =
        "loading module " + description + ": " + driver.describe(result);
    if (errorLog[0])
      message += "\n" + std::string(errorLog);
    return Status::error(message);
  }
  return Module(driver, module, description);
}

Module::Module(Module &&other) noexcept
    : driver_(other.driver_), module_(std::exchange(other.module_, nullptr)),
      description_(std::move(other.description_)) {}

Module &Module::operator=(Module &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    module_ = std::exchange(other.module_, nullptr);
    description_ = std::move(other.description_);
  }
  return *this;
}

Module::~Module() { reset(); }

void Module::reset() noexcept {
  if (module_)
    (void)driver_->cuModuleUnload(module_); // teardown: errors are moot
  module_ = nullptr;
}

StatusOr<Function> Module::function(const std::string &name) const {
  CUfunction function = nullptr;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(*driver_, cuModuleGetFunction, &function, module_, name.c_str())
          .withContext("module " + description_ + " has no kernel " + name));
  return Function(*driver_, function, name);
}

StatusOr<std::pair<CUdeviceptr, std::size_t>>
Module::global(const std::string &name) const {
  CUdeviceptr pointer = 0;
  std::size_t bytes = 0;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(*driver_, cuModuleGetGlobal, &pointer, &bytes, module_,
              name.c_str())
          .withContext("module " + description_ + " has no global " + name));
  return std::make_pair(pointer, bytes);
}

} // namespace llmc::cuda
