// KernelHarness: what every GPU kernel test needs, in one place.
//
// A kernel test writes a small CUDA source that #includes kernel headers by
// name ("Gemv.cuh") and defines extern "C" __global__ wrappers, the way the
// code generator will. The harness compiles it through NVRTC for the device's
// arch (the headers come from the embedded kernel library, so tests see exactly
// what the compiler ships), loads the module, moves typed host vectors to and
// from the device, launches, and compares the result with the CPU reference.
//
// One GpuContext serves the whole test binary; when there is no usable GPU it
// is absent and LLMC_REQUIRE_GPU() skips the test with the reason. Compiling
// needs no GPU, so tests that only check that kernels compile (compileForArch)
// run everywhere NVRTC is installed.
#pragma once

#include "compiler/Nvrtc/PtxasInfo.h"
#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/cuda/DeviceProperties.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/Launch.h"
#include "runtime/cuda/Module.h"
#include "runtime/cuda/PrimaryContext.h"
#include "runtime/cuda/Stream.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc::gputest {

//===----------------------------------------------------------------------===//
// Host data helpers
//===----------------------------------------------------------------------===//

/// Raw bf16 bits of each value (round to nearest even).
std::vector<uint16_t> toBf16(const std::vector<float> &values);
/// Each bf16 value widened to float.
std::vector<float> fromBf16(const std::vector<uint16_t> &bits);
/// The values as the GPU sees them after a bf16 upload: each rounded to bf16
/// and back. References are computed on these.
std::vector<float> roundedToBf16(std::vector<float> values);
/// `count` deterministic uniform values in [lo, hi) from `seed`.
std::vector<float> randomUniform(std::size_t count, uint64_t seed,
                                 float lo = -1.0f, float hi = 1.0f);

//===----------------------------------------------------------------------===//
// Comparison against the reference
//===----------------------------------------------------------------------===//

/// How far `actual` is from `expected`. An element passes when
/// |actual - expected| <= atol + rtol * |expected|; NaN or Inf in `actual`
/// where `expected` is finite never passes.
struct Comparison {
  bool passed = true;
  std::size_t count = 0;
  std::size_t failures = 0;
  double maxAbsError = 0;
  /// max |actual - expected| / max(|expected|, atol): the relative error of
  /// the worst element, with tiny expected values measured against atol.
  double maxRelError = 0;
  /// max |expected|, to read maxAbsError against the data's scale.
  double maxAbsExpected = 0;
  /// The element furthest outside its tolerance (or closest to it).
  std::size_t worstIndex = 0;
  double worstActual = 0, worstExpected = 0;
  /// "12/4096 elements out of tolerance (rtol 0.01, atol 0.001); max abs
  /// error 0.03 at [17] (actual 1.2, expected 1.17), ..."
  std::string describe() const;
};

Comparison compareToReference(const std::vector<float> &actual,
                              const std::vector<float> &expected, double rtol,
                              double atol);

/// compareToReference as a GoogleTest assertion:
/// `EXPECT_TRUE(matchesReference(out, ref, 1e-2, 1e-3, "gemv T=3"));`
/// On success it also records the errors as test properties (so the XML
/// report and the log carry the per-kernel error table).
::testing::AssertionResult matchesReference(const std::vector<float> &actual,
                                            const std::vector<float> &expected,
                                            double rtol, double atol,
                                            const std::string &what);

//===----------------------------------------------------------------------===//
// Compilation (needs NVRTC, not a GPU)
//===----------------------------------------------------------------------===//

/// NVRTC's result for one test source.
struct CompiledSource {
  std::vector<char> cubin;
  std::string log;
  std::string arch; ///< "sm_90"
  /// Registers, spills, stack and static shared memory per kernel (ptxas).
  std::vector<nvrtc::KernelResources> kernels;
};

/// Compiles `source` for `arch` ("sm_90", "sm_90a") with the embedded kernel
/// headers available by name. `name` labels the source in errors and logs.
StatusOr<CompiledSource>
compileForArch(const std::string &source, const std::string &name,
               const std::string &arch,
               const std::vector<std::string> &extraOptions = {});

/// One line per kernel of a compiled source: "name: 64 registers, 0 bytes
/// spilled (stores/loads 0/0), 0 bytes stack, 0 bytes static shared".
std::string resourceReport(const CompiledSource &compiled);

//===----------------------------------------------------------------------===//
// Device side
//===----------------------------------------------------------------------===//

class GpuContext;

/// A typed device array (count elements of T), owned.
template <typename T> class DeviceArray {
public:
  DeviceArray() = default;
  explicit DeviceArray(cuda::DeviceBuffer buffer, std::size_t count)
      : buffer_(std::move(buffer)), count_(count) {}

  CUdeviceptr pointer() const { return buffer_.pointer(); }
  std::size_t count() const { return count_; }

  /// Copies `values` (at most count() elements) to the start of the array.
  Status upload(const std::vector<T> &values) {
    if (values.empty())
      return Status::ok();
    if (values.size() > count_)
      return Status::error(
          "DeviceArray::upload: " + std::to_string(values.size()) +
          " values into an array of " + std::to_string(count_));
    return buffer_.copyFromHost(values.data(), values.size() * sizeof(T));
  }
  /// Copies the whole array back.
  StatusOr<std::vector<T>> download() const {
    std::vector<T> values(count_);
    LLMC_RETURN_IF_ERROR(buffer_.copyToHost(values.data(), count_ * sizeof(T)));
    return values;
  }
  /// Sets every byte to `byte` (0xFF makes bf16 and fp32 NaN: a poison that
  /// shows elements a kernel never wrote).
  Status fill(uint8_t byte) { return buffer_.fill(byte); }

private:
  cuda::DeviceBuffer buffer_;
  std::size_t count_ = 0;
};

/// A compiled, loaded test module.
class KernelModule {
public:
  KernelModule(const GpuContext &context, cuda::Module module,
               CompiledSource compiled)
      : context_(&context), module_(std::move(module)),
        compiled_(std::move(compiled)) {}

  /// Launches kernel `name` after all earlier uploads and fills have landed,
  /// and waits for it; a launch error or a fault while it runs comes back as
  /// the Status. Arguments are passed by value exactly
  /// as the kernel declares them (CUdeviceptr for pointers, int, float, or a
  /// trivially copyable struct).
  template <typename... Args>
  Status launch(const std::string &name, cuda::Dim3 grid, cuda::Dim3 block,
                unsigned sharedBytes, Args... args) const {
    void *params[] = {static_cast<void *>(&args)..., nullptr};
    return launchRaw(name, grid, block, sharedBytes, params);
  }

  /// Average milliseconds of one launch of kernel `name` over `repetitions`
  /// back-to-back launches (after 3 warm-up launches), timed with events on
  /// the test stream. A sanity figure, not a benchmark.
  template <typename... Args>
  StatusOr<float> timeMs(const std::string &name, cuda::Dim3 grid,
                         cuda::Dim3 block, unsigned sharedBytes,
                         int repetitions, Args... args) const {
    void *params[] = {static_cast<void *>(&args)..., nullptr};
    return timeRaw(name, grid, block, sharedBytes, repetitions, params);
  }
  StatusOr<float> timeRaw(const std::string &name, cuda::Dim3 grid,
                          cuda::Dim3 block, unsigned sharedBytes,
                          int repetitions, void **params) const;
  /// timeRaw cycling through `paramSets` launch by launch: with one weight
  /// copy per set, a kernel whose weights fit in L2 is still timed reading
  /// device memory.
  StatusOr<float> timeRotatingRaw(const std::string &name, cuda::Dim3 grid,
                                  cuda::Dim3 block, unsigned sharedBytes,
                                  int repetitions,
                                  const std::vector<void **> &paramSets) const;

  /// Launch with a prepared parameter array (one pointer per parameter).
  Status launchRaw(const std::string &name, cuda::Dim3 grid, cuda::Dim3 block,
                   unsigned sharedBytes, void **params) const;

  /// Registers and local (spill/stack) bytes per thread of kernel `name` as
  /// the loaded module reports them.
  struct Resources {
    int registers = 0;
    int localBytes = 0;
    int staticSharedBytes = 0;
  };
  StatusOr<Resources> resources(const std::string &name) const;

  const CompiledSource &compiled() const { return compiled_; }
  const cuda::Module &module() const { return module_; }

private:
  const GpuContext *context_;
  cuda::Module module_;
  CompiledSource compiled_;
};

/// The device, its primary context and one stream, for the whole test binary.
class GpuContext {
public:
  /// The shared context, created on first use; null when there is no usable
  /// GPU (skipReason() says why).
  static GpuContext *get();
  /// Why get() is null ("no NVIDIA driver: ..."); empty when it is not.
  static std::string skipReason();

  const cuda::CudaDriver &driver() const { return *driver_; }
  const cuda::DeviceProperties &properties() const { return properties_; }
  const cuda::Stream &stream() const { return stream_; }
  /// The arch tests compile for: the device's plain arch ("sm_90").
  std::string arch() const { return properties_.arch(); }
  /// Waits for all work in the context, the legacy-stream copies and fills of
  /// DeviceArray included (they may still run when their call returns).
  Status synchronize() const { return context_.synchronize(); }

  /// Compiles `source` for this device and loads it.
  StatusOr<KernelModule>
  compile(const std::string &source, const std::string &name,
          const std::vector<std::string> &extraOptions = {}) const;

  /// An uninitialized device array of `count` elements.
  template <typename T>
  StatusOr<DeviceArray<T>> allocate(std::size_t count) const {
    LLMC_ASSIGN_OR_RETURN(
        cuda::DeviceBuffer buffer,
        cuda::DeviceBuffer::allocate(*driver_, std::max<std::size_t>(count, 1) *
                                                   sizeof(T)));
    return DeviceArray<T>(std::move(buffer), count);
  }
  /// A device array holding `values`.
  template <typename T>
  StatusOr<DeviceArray<T>> upload(const std::vector<T> &values) const {
    LLMC_ASSIGN_OR_RETURN(DeviceArray<T> array, allocate<T>(values.size()));
    LLMC_RETURN_IF_ERROR(array.upload(values));
    return array;
  }
  /// A bf16 device array holding `values` rounded to bf16.
  StatusOr<DeviceArray<uint16_t>>
  uploadBf16(const std::vector<float> &values) const {
    return upload(toBf16(values));
  }

  /// Use get(); public only for the one place that builds the shared context.
  GpuContext(std::unique_ptr<cuda::CudaDriver> driver,
             cuda::PrimaryContext context, cuda::DeviceProperties properties,
             cuda::Stream stream);

private:
  std::unique_ptr<cuda::CudaDriver> driver_;
  cuda::PrimaryContext context_;
  cuda::DeviceProperties properties_;
  cuda::Stream stream_;
};

/// Downloads a bf16 array as floats.
StatusOr<std::vector<float>> downloadBf16(const DeviceArray<uint16_t> &array);

} // namespace llmc::gputest

/// Skips the current test when there is no usable GPU, with the reason.
#define LLMC_REQUIRE_GPU()                                                     \
  do {                                                                         \
    if (::llmc::gputest::GpuContext::get() == nullptr)                         \
      GTEST_SKIP() << ::llmc::gputest::GpuContext::skipReason();               \
  } while (0)

/// Evaluates a StatusOr expression into `lhs`, failing the test (fatally) on
/// error: `LLMC_GPU_ASSIGN(auto buf, gpu.upload(values));`
#define LLMC_GPU_ASSIGN(lhs, expr)                                             \
  LLMC_GPU_ASSIGN_IMPL(LLMC_CONCAT(llmc_gpu_statusor_, __LINE__), lhs, expr)
#define LLMC_GPU_ASSIGN_IMPL(tmp, lhs, expr)                                   \
  auto tmp = (expr);                                                           \
  ASSERT_TRUE(tmp.isOk()) << tmp.status().message();                           \
  lhs = std::move(tmp).value()

/// Fails the test (fatally) when a Status expression is an error.
#define LLMC_GPU_CHECK(expr)                                                   \
  do {                                                                         \
    ::llmc::Status llmc_gpu_status_ = (expr);                                  \
    ASSERT_TRUE(llmc_gpu_status_.isOk()) << llmc_gpu_status_.message();        \
  } while (0)
