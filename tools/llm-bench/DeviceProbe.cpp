// Copy bandwidth and GEMM rate of a GPU, timed with CUDA events; the cache.
#include "tools/llm-bench/DeviceProbe.h"

#include "compiler/Nvrtc/Nvrtc.h"
#include "compiler/kernels/KernelSources.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/cuda/DeviceProperties.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/Launch.h"
#include "runtime/cuda/Module.h"
#include "runtime/cuda/PrimaryContext.h"
#include "runtime/cuda/Stream.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <functional>

namespace llmc::bench {

const char *const kGemmProbeInstantiation =
    "GemmMma<8192, 8192, MmaTileShape<128, 128, 32, 2, 4, 3>, "
    "StoreBf16Epilogue<8192>>";

namespace {

constexpr int kWarmups = 3;
constexpr int kCopyRepetitions = 20;
constexpr int kGemmRepetitions = 10;
/// The copy is large enough to leave every cache behind (L2 is 50-60 MB).
constexpr std::size_t kMaxCopyBytes = std::size_t(1) << 30;

/// Milliseconds per call of `enqueue` over `repetitions` calls on `stream`,
/// after warm-up calls.
StatusOr<double> timePerCall(const cuda::CudaDriver &driver,
                             const cuda::Stream &stream, int repetitions,
                             const std::function<Status()> &enqueue) {
  LLMC_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::create(driver));
  LLMC_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::create(driver));
  for (int i = 0; i < kWarmups; ++i)
    LLMC_RETURN_IF_ERROR(enqueue());
  LLMC_RETURN_IF_ERROR(start.record(stream));
  for (int i = 0; i < repetitions; ++i)
    LLMC_RETURN_IF_ERROR(enqueue());
  LLMC_RETURN_IF_ERROR(end.record(stream));
  LLMC_RETURN_IF_ERROR(end.synchronize());
  LLMC_ASSIGN_OR_RETURN(float ms, cuda::Event::elapsedMs(start, end));
  return double(ms) / repetitions;
}

StatusOr<double> copyBandwidth(const cuda::CudaDriver &driver,
                               const cuda::Stream &stream) {
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceMemoryInfo memory,
                        cuda::queryMemoryInfo(driver));
  const std::size_t bytes = std::min(kMaxCopyBytes, memory.freeBytes / 4) &
                            ~((std::size_t(1) << 20) - 1);
  if (bytes == 0)
    return Status::error("too little free device memory to time a copy");
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceBuffer source,
                        cuda::DeviceBuffer::allocate(driver, bytes));
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceBuffer target,
                        cuda::DeviceBuffer::allocate(driver, bytes));
  LLMC_RETURN_IF_ERROR(source.fillAsync(0x3C, stream));
  LLMC_ASSIGN_OR_RETURN(double ms,
                        timePerCall(driver, stream, kCopyRepetitions, [&] {
                          return target.copyFromDeviceAsync(source, stream);
                        }));
  // Every byte is read once and written once.
  return 2.0 * double(bytes) / (ms * 1e-3);
}

StatusOr<int> readDeviceInt(const cuda::CudaDriver &driver,
                            const cuda::Module &module,
                            const std::string &name) {
  LLMC_ASSIGN_OR_RETURN(auto global, module.global(name));
  int value = 0;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuMemcpyDtoH, &value, global.first, sizeof(value)));
  return value;
}

StatusOr<double> gemmRate(const cuda::CudaDriver &driver,
                          const cuda::Stream &stream,
                          const cuda::DeviceProperties &properties) {
  LLMC_ASSIGN_OR_RETURN(nvrtc::Nvrtc compiler, nvrtc::Nvrtc::load());
  nvrtc::CompileRequest request;
  request.name = "gemm_probe.cu";
  request.source = gemmProbeSource();
  request.headers = kernels::kernelHeaders();
  request.arch = properties.arch();
  request.wantPtx = false;
  LLMC_ASSIGN_OR_RETURN(nvrtc::CompileResult compiled,
                        compiler.compile(request));
  LLMC_ASSIGN_OR_RETURN(
      cuda::Module module,
      cuda::Module::loadCubin(driver, compiled.cubin,
                              "gemm probe (" + request.arch + ")"));
  LLMC_ASSIGN_OR_RETURN(cuda::Function gemm, module.function("gemm"));
  LLMC_ASSIGN_OR_RETURN(int sharedBytes,
                        readDeviceInt(driver, module, "gemmSharedBytes"));
  LLMC_ASSIGN_OR_RETURN(int threads,
                        readDeviceInt(driver, module, "gemmThreads"));

  const std::size_t n = kGemmProbeSize;
  const std::size_t matrixBytes = n * n * 2; // bf16
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceBuffer x,
                        cuda::DeviceBuffer::allocate(driver, matrixBytes));
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceBuffer w,
                        cuda::DeviceBuffer::allocate(driver, matrixBytes));
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceBuffer out,
                        cuda::DeviceBuffer::allocate(driver, matrixBytes));
  // Non-zero operands (bf16 0x3C3C ~ 0.0115): tensor cores fed zeros draw
  // less power and could clock higher than on real data.
  LLMC_RETURN_IF_ERROR(x.fillAsync(0x3C, stream));
  LLMC_RETURN_IF_ERROR(w.fillAsync(0x3C, stream));

  CUdeviceptr xPointer = x.pointer(), wPointer = w.pointer(),
              outPointer = out.pointer();
  int rows = kGemmProbeSize;
  void *params[] = {&xPointer, &wPointer, &rows, &outPointer, nullptr};
  // GemmMma's grid: (N / BN, M / BM) with the 128 x 128 tile above.
  const cuda::Dim3 grid{unsigned(n / 128), unsigned(n / 128), 1};
  const cuda::Dim3 block{unsigned(threads), 1, 1};
  LLMC_ASSIGN_OR_RETURN(
      double ms, timePerCall(driver, stream, kGemmRepetitions, [&] {
        return cuda::launch(gemm, grid, block, unsigned(sharedBytes), stream,
                            params);
      }));
  return 2.0 * double(n) * double(n) * double(n) / (ms * 1e-3);
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

} // namespace

std::string gemmProbeSource() {
  return std::string("// The matrix-rate probe of llm-bench.\n"
                     "#include \"GemmMma.cuh\"\n"
                     "using namespace llmc::kernels;\n"
                     "using Kernel = ") +
         kGemmProbeInstantiation +
         ";\n"
         "extern \"C\" __device__ int gemmSharedBytes = Kernel::kSharedBytes;\n"
         "extern \"C\" __device__ int gemmThreads = Kernel::kThreads;\n"
         "extern \"C\" __global__ void __launch_bounds__(Kernel::kThreads)\n"
         "gemm(const bf16 *x, const bf16 *w, int rows,\n"
         "     StoreBf16Epilogue<8192>::Params p) {\n"
         "  extern __shared__ uint4 shared[];\n"
         "  Kernel::run(x, w, rows, p, shared);\n"
         "}\n";
}

StatusOr<DeviceMeasurement> measureDevice(int ordinal) {
  // Destroyed in reverse order: the stream before the context, the
  // context before the driver (the buffers live and die in the helpers).
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<cuda::CudaDriver> driver,
                        cuda::CudaDriver::load());
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceProperties properties,
                        cuda::queryDeviceProperties(*driver, ordinal));
  LLMC_ASSIGN_OR_RETURN(
      cuda::PrimaryContext context,
      cuda::PrimaryContext::retainAndMakeCurrent(*driver, ordinal));
  LLMC_ASSIGN_OR_RETURN(cuda::Stream stream, cuda::Stream::create(*driver));

  DeviceMeasurement m;
  m.device = properties.name;
  m.arch = properties.arch();
  LLMC_ASSIGN_OR_RETURN(m.copyBandwidthBytesPerSecond,
                        copyBandwidth(*driver, stream));
  LLMC_ASSIGN_OR_RETURN(m.matrixFlopsPerSecond,
                        gemmRate(*driver, stream, properties));
  m.matrixKernel = kGemmProbeInstantiation;
  m.measuredAt = utcNow();
  return m;
}

StatusOr<DeviceMeasurement> cachedOrMeasuredDevice(int ordinal, bool remeasure,
                                                   std::string &path) {
  std::string name;
  {
    LLMC_ASSIGN_OR_RETURN(std::unique_ptr<cuda::CudaDriver> driver,
                          cuda::CudaDriver::load());
    LLMC_ASSIGN_OR_RETURN(cuda::DeviceProperties properties,
                          cuda::queryDeviceProperties(*driver, ordinal));
    name = properties.name;
  }
  LLMC_ASSIGN_OR_RETURN(std::string directory, measurementCacheDirectory());
  path = directory + "/" + measurementFileName(name);
  if (!remeasure && std::filesystem::exists(path))
    return readDeviceMeasurement(path);
  LLMC_ASSIGN_OR_RETURN(DeviceMeasurement m, measureDevice(ordinal));
  LLMC_RETURN_IF_ERROR(writeDeviceMeasurement(path, m));
  return m;
}

} // namespace llmc::bench
