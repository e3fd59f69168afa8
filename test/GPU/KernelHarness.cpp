// KernelHarness: host helpers, NVRTC compilation with the embedded kernel
// library, the shared GPU context and the reference comparison.
#include "test/GPU/KernelHarness.h"

#include "compiler/Nvrtc/Nvrtc.h"
#include "compiler/kernels/KernelSources.h"
#include "runtime/model/WeightStore.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace llmc::gputest {

//===----------------------------------------------------------------------===//
// Host data helpers
//===----------------------------------------------------------------------===//

std::vector<uint16_t> toBf16(const std::vector<float> &values) {
  std::vector<uint16_t> bits(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    bits[i] = floatToBf16(values[i]);
  return bits;
}

std::vector<float> fromBf16(const std::vector<uint16_t> &bits) {
  std::vector<float> values(bits.size());
  for (std::size_t i = 0; i < bits.size(); ++i)
    values[i] = bf16ToFloat(bits[i]);
  return values;
}

std::vector<float> roundedToBf16(std::vector<float> values) {
  for (float &value : values)
    value = bf16ToFloat(floatToBf16(value));
  return values;
}

std::vector<float> randomUniform(std::size_t count, uint64_t seed, float lo,
                                 float hi) {
  // SplitMix64: the same values on every platform and standard library.
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  std::vector<float> values(count);
  for (float &value : values) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    float unit = float(z >> 40) * (1.0f / 16777216.0f); // 24 bits, [0, 1)
    value = lo + (hi - lo) * unit;
  }
  return values;
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

Comparison compareToReference(const std::vector<float> &actual,
                              const std::vector<float> &expected, double rtol,
                              double atol) {
  Comparison result;
  result.count = expected.size();
  if (actual.size() != expected.size()) {
    result.passed = false;
    result.failures = std::max(actual.size(), expected.size());
    result.maxAbsError = INFINITY;
    result.maxRelError = INFINITY;
    return result;
  }
  double worstRatio = -1; // error / allowed error of the worst element
  for (std::size_t i = 0; i < expected.size(); ++i) {
    double a = actual[i], e = expected[i];
    double allowed = atol + rtol * std::fabs(e);
    double error = std::fabs(a - e);
    bool ok = error <= allowed;
    if (!std::isfinite(a) && std::isfinite(e)) {
      ok = false;
      error = INFINITY;
    }
    double ratio = std::isfinite(error) ? error / allowed : INFINITY;
    if (!ok)
      ++result.failures;
    result.maxAbsError = std::max(result.maxAbsError, error);
    result.maxRelError =
        std::max(result.maxRelError, error / std::max(std::fabs(e), atol));
    result.maxAbsExpected = std::max(result.maxAbsExpected, std::fabs(e));
    if (ratio > worstRatio) {
      worstRatio = ratio;
      result.worstIndex = i;
      result.worstActual = a;
      result.worstExpected = e;
    }
  }
  result.passed = result.failures == 0;
  return result;
}

std::string Comparison::describe() const {
  std::ostringstream out;
  out << failures << "/" << count
      << " elements out of tolerance; max abs error " << maxAbsError
      << " (max |expected| " << maxAbsExpected << "), max rel error "
      << maxRelError << "; worst at [" << worstIndex << "]: actual "
      << worstActual << ", expected " << worstExpected;
  return out.str();
}

::testing::AssertionResult matchesReference(const std::vector<float> &actual,
                                            const std::vector<float> &expected,
                                            double rtol, double atol,
                                            const std::string &what) {
  Comparison c = compareToReference(actual, expected, rtol, atol);
  std::ostringstream line;
  line << what << ": max abs " << c.maxAbsError << ", max rel " << c.maxRelError
       << " (rtol " << rtol << ", atol " << atol << ")";
  if (!c.passed)
    return ::testing::AssertionFailure()
           << line.str() << "\n  " << c.describe();
  // The per-kernel error table of the run comes from these lines.
  std::printf("[ accuracy ] %s\n", line.str().c_str());
  return ::testing::AssertionSuccess();
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

namespace {

const StatusOr<nvrtc::Nvrtc> &sharedNvrtc() {
  static const StatusOr<nvrtc::Nvrtc> compiler = nvrtc::Nvrtc::load();
  return compiler;
}

} // namespace

StatusOr<CompiledSource>
compileForArch(const std::string &source, const std::string &name,
               const std::string &arch,
               const std::vector<std::string> &extraOptions) {
  const StatusOr<nvrtc::Nvrtc> &compiler = sharedNvrtc();
  if (!compiler.isOk())
    return compiler.status();
  nvrtc::CompileRequest request;
  request.name = name;
  request.source = source;
  request.headers = kernels::kernelHeaders();
  request.arch = arch;
  request.options = extraOptions;
  request.wantPtx = false;
  LLMC_ASSIGN_OR_RETURN(nvrtc::CompileResult result,
                        compiler->compile(request));
  CompiledSource compiled;
  compiled.cubin = std::move(result.cubin);
  compiled.log = std::move(result.log);
  compiled.arch = arch;
  compiled.kernels = std::move(result.kernels);
  return compiled;
}

std::string resourceReport(const CompiledSource &compiled) {
  std::ostringstream out;
  for (const nvrtc::KernelResources &k : compiled.kernels)
    out << k.name << " [" << compiled.arch << "]: " << k.registers
        << " registers, spill stores/loads " << k.spillStoreBytes << "/"
        << k.spillLoadBytes << " bytes, " << k.stackFrameBytes
        << " bytes stack, " << k.sharedBytes << " bytes static shared\n";
  return out.str();
}

//===----------------------------------------------------------------------===//
// Device side
//===----------------------------------------------------------------------===//

Status KernelModule::launchRaw(const std::string &name, cuda::Dim3 grid,
                               cuda::Dim3 block, unsigned sharedBytes,
                               void **params) const {
  LLMC_ASSIGN_OR_RETURN(cuda::Function function, module_.function(name));
  // Synchronous copies and memsets run on the legacy default stream and may
  // still be in flight; the test stream does not wait for that stream.
  LLMC_RETURN_IF_ERROR(context_->synchronize().withContext(
      "waiting for uploads before " + name));
  LLMC_RETURN_IF_ERROR(cuda::launch(function, grid, block, sharedBytes,
                                    context_->stream(), params));
  return context_->stream().synchronize().withContext("running " + name);
}

StatusOr<float> KernelModule::timeRaw(const std::string &name, cuda::Dim3 grid,
                                      cuda::Dim3 block, unsigned sharedBytes,
                                      int repetitions, void **params) const {
  return timeRotatingRaw(name, grid, block, sharedBytes, repetitions, {params});
}

StatusOr<float>
KernelModule::timeRotatingRaw(const std::string &name, cuda::Dim3 grid,
                              cuda::Dim3 block, unsigned sharedBytes,
                              int repetitions,
                              const std::vector<void **> &paramSets) const {
  if (paramSets.empty() || repetitions <= 0)
    return Status::error("timing " + name +
                         ": needs a parameter set and a repetition");
  LLMC_ASSIGN_OR_RETURN(cuda::Function function, module_.function(name));
  LLMC_RETURN_IF_ERROR(context_->synchronize());
  const cuda::CudaDriver &driver = context_->driver();
  LLMC_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::create(driver));
  LLMC_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::create(driver));
  const cuda::Stream &stream = context_->stream();
  constexpr int kWarmUp = 3;
  for (int i = 0; i < kWarmUp + repetitions; ++i) {
    if (i == kWarmUp)
      LLMC_RETURN_IF_ERROR(start.record(stream));
    LLMC_RETURN_IF_ERROR(cuda::launch(function, grid, block, sharedBytes,
                                      stream, paramSets[i % paramSets.size()]));
  }
  LLMC_RETURN_IF_ERROR(end.record(stream));
  LLMC_RETURN_IF_ERROR(end.synchronize().withContext("timing " + name));
  LLMC_ASSIGN_OR_RETURN(float total, cuda::Event::elapsedMs(start, end));
  return total / float(repetitions);
}

StatusOr<KernelModule::Resources>
KernelModule::resources(const std::string &name) const {
  LLMC_ASSIGN_OR_RETURN(cuda::Function function, module_.function(name));
  Resources r;
  LLMC_ASSIGN_OR_RETURN(r.registers,
                        function.attribute(CU_FUNC_ATTRIBUTE_NUM_REGS));
  LLMC_ASSIGN_OR_RETURN(r.localBytes,
                        function.attribute(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES));
  LLMC_ASSIGN_OR_RETURN(
      r.staticSharedBytes,
      function.attribute(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES));
  return r;
}

GpuContext::GpuContext(std::unique_ptr<cuda::CudaDriver> driver,
                       cuda::PrimaryContext context,
                       cuda::DeviceProperties properties, cuda::Stream stream)
    : driver_(std::move(driver)), context_(std::move(context)),
      properties_(std::move(properties)), stream_(std::move(stream)) {}

namespace {

struct SharedContext {
  std::unique_ptr<GpuContext> context;
  std::string skipReason;
};

} // namespace

/// Builds the shared context once; the reason is kept when it cannot.
static SharedContext &sharedContext() {
  static SharedContext shared = []() -> SharedContext {
    SharedContext result;
    auto fail = [&](const std::string &reason) {
      result.skipReason = reason;
      return std::move(result);
    };
    StatusOr<std::unique_ptr<cuda::CudaDriver>> driver =
        cuda::CudaDriver::load();
    if (!driver.isOk())
      return fail(driver.status().message());
    StatusOr<cuda::DeviceProperties> properties =
        cuda::queryDeviceProperties(**driver, 0);
    if (!properties.isOk())
      return fail(properties.status().message());
    // bf16 tensor-core instructions and cvt.rn.bf16 need sm_80.
    if (properties->computeCapabilityMajor < 8)
      return fail("GPU " + properties->name + " is " + properties->arch() +
                  "; the kernel library needs sm_80 or newer");
    StatusOr<cuda::PrimaryContext> context =
        cuda::PrimaryContext::retainAndMakeCurrent(**driver, 0);
    if (!context.isOk())
      return fail(context.status().message());
    StatusOr<cuda::Stream> stream = cuda::Stream::create(**driver);
    if (!stream.isOk())
      return fail(stream.status().message());
    result.context.reset(new GpuContext(std::move(*driver), std::move(*context),
                                        std::move(*properties),
                                        std::move(*stream)));
    return result;
  }();
  return shared;
}

GpuContext *GpuContext::get() { return sharedContext().context.get(); }

std::string GpuContext::skipReason() { return sharedContext().skipReason; }

StatusOr<KernelModule>
GpuContext::compile(const std::string &source, const std::string &name,
                    const std::vector<std::string> &extraOptions) const {
  LLMC_ASSIGN_OR_RETURN(CompiledSource compiled,
                        compileForArch(source, name, arch(), extraOptions));
  LLMC_ASSIGN_OR_RETURN(cuda::Module module,
                        cuda::Module::loadCubin(*driver_, compiled.cubin,
                                                name + " (" + arch() + ")"));
  return KernelModule(*this, std::move(module), std::move(compiled));
}

StatusOr<std::vector<float>> downloadBf16(const DeviceArray<uint16_t> &array) {
  LLMC_ASSIGN_OR_RETURN(std::vector<uint16_t> bits, array.download());
  return fromBf16(bits);
}

} // namespace llmc::gputest
