// The driver wrappers on a real GPU: memory, NVRTC-compiled kernels loaded from
// cubin and PTX, launches, events, graphs and pinned memory. Every test skips
// with the driver's own reason on a machine without a GPU (or without NVRTC).
#include "compiler/Nvrtc/Nvrtc.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/cuda/DeviceProperties.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/Graph.h"
#include "runtime/cuda/Launch.h"
#include "runtime/cuda/Module.h"
#include "runtime/cuda/PinnedBuffer.h"
#include "runtime/cuda/PrimaryContext.h"
#include "runtime/cuda/Stream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <vector>

namespace llmc::cuda {
namespace {

const char *const kVectorAdd = R"(
extern "C" __global__ void vectorAdd(float *c, const float *a, const float *b,
                                     int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    c[i] = a[i] + b[i];
}
)";

/// Fills shared memory past the 48 KiB default and sums it back per block.
const char *const kSharedSum = R"(
extern "C" __global__ void sharedSum(int *out, int words) {
  extern __shared__ int scratch[];
  for (int i = threadIdx.x; i < words; i += blockDim.x)
    scratch[i] = i;
  __syncthreads();
  if (threadIdx.x == 0) {
    long long sum = 0;
    for (int i = 0; i < words; ++i)
      sum += scratch[i];
    out[blockIdx.x] = int(sum % 1000003);
  }
}
)";

/// One link of a dependent chain: out = in + 1, launched with programmatic
/// serialization. It lets the next link start at once and waits for the
/// previous one before reading `in`; the spin gives a missing wait a window
/// to read a stale value.
const char *const kChainLink = R"(
extern "C" __global__ void chainLink(float *out, const float *in, int n) {
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
  long long start = clock64();
  while (clock64() - start < 2000) {
  }
  asm volatile("griddepcontrol.wait;" ::: "memory");
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = in[i] + 1.0f;
}
)";

/// One driver, context and NVRTC for the whole suite.
class CudaDevice : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    StatusOr<std::unique_ptr<CudaDriver>> driver = CudaDriver::load();
    if (!driver.isOk()) {
      skipReason() = driver.status().message();
      return;
    }
    driver_() = std::move(driver).value();
    StatusOr<PrimaryContext> context =
        PrimaryContext::retainAndMakeCurrent(*driver_(), 0);
    StatusOr<DeviceProperties> props = queryDeviceProperties(*driver_(), 0);
    StatusOr<nvrtc::Nvrtc> compiler = nvrtc::Nvrtc::load();
    if (!context.isOk() || !props.isOk() || !compiler.isOk()) {
      skipReason() = !context.isOk() ? context.status().message()
                     : !props.isOk() ? props.status().message()
                                     : compiler.status().message();
      return;
    }
    context_() = std::move(context).value();
    props_() = std::move(props).value();
    nvrtc_() = std::move(compiler).value();
  }
  static void TearDownTestSuite() {
    // Resources die before the context, the context before the driver.
    nvrtc_().reset();
    context_().reset();
    driver_().reset();
  }
  void SetUp() override {
    if (!context_())
      GTEST_SKIP() << skipReason();
    ASSERT_TRUE(context_()->makeCurrent().isOk());
  }

  const CudaDriver &driver() const { return *driver_(); }
  const DeviceProperties &props() const { return *props_(); }

  /// Compiles `source` for this device and loads it from cubin or PTX.
  Module compileAndLoad(const char *source, bool fromPtx = false) {
    nvrtc::CompileRequest request;
    request.name = "device_test.cu";
    request.source = source;
    request.arch = props().arch();
    request.wantCubin = !fromPtx;
    request.wantPtx = fromPtx;
    StatusOr<nvrtc::CompileResult> compiled = nvrtc_()->compile(request);
    EXPECT_TRUE(compiled.isOk()) << compiled.status().message();
    StatusOr<Module> module =
        fromPtx
            ? Module::loadPtx(driver(), compiled->ptx, "device_test.ptx")
            : Module::loadCubin(driver(), compiled->cubin, "device_test.cubin");
    EXPECT_TRUE(module.isOk()) << module.status().message();
    return std::move(module).value();
  }

  static std::string &skipReason() {
    static std::string reason;
    return reason;
  }
  static std::unique_ptr<CudaDriver> &driver_() {
    static std::unique_ptr<CudaDriver> driver;
    return driver;
  }
  static std::optional<PrimaryContext> &context_() {
    static std::optional<PrimaryContext> context;
    return context;
  }
  static std::optional<DeviceProperties> &props_() {
    static std::optional<DeviceProperties> props;
    return props;
  }
  static std::optional<nvrtc::Nvrtc> &nvrtc_() {
    static std::optional<nvrtc::Nvrtc> nvrtc;
    return nvrtc;
  }
};

/// Inputs whose sums are exact in fp32, so results compare with ==.
struct VectorAddData {
  explicit VectorAddData(int n) : a(n), b(n), expected(n) {
    for (int i = 0; i < n; ++i) {
      a[i] = float(i % 1000) * 0.5f;
      b[i] = float(i % 77) - 3.0f;
      expected[i] = a[i] + b[i];
    }
  }
  std::vector<float> a, b, expected;
};

TEST_F(CudaDevice, ReportsDeviceProperties) {
  EXPECT_FALSE(props().name.empty());
  EXPECT_EQ(props().arch().rfind("sm_", 0), 0u);
  EXPECT_GE(props().computeCapabilityMajor, 7);
  EXPECT_GT(props().multiprocessorCount, 0);
  EXPECT_GE(props().maxSharedMemoryPerBlock, 48 * 1024);
  EXPECT_GE(props().maxSharedMemoryPerBlockOptin,
            props().maxSharedMemoryPerBlock);
  StatusOr<DeviceMemoryInfo> memory = queryMemoryInfo(driver());
  ASSERT_TRUE(memory.isOk()) << memory.status().message();
  EXPECT_GT(memory->freeBytes, 0u);
  EXPECT_LE(memory->freeBytes, memory->totalBytes);
  EXPECT_EQ(memory->totalBytes, props().totalMemoryBytes);
  std::cout << "[ device   ] " << props().name << " " << props().arch() << ", "
            << props().multiprocessorCount << " SMs, driver "
            << driver().versionString()
            << (driver().resolvedThroughProcAddress() ? " (cuGetProcAddress)"
                                                      : " (dlsym)")
            << "\n";
}

TEST_F(CudaDevice, CopiesRoundTripAndRejectsOutOfRangeCopies) {
  StatusOr<DeviceBuffer> buffer = DeviceBuffer::allocate(driver(), 1024);
  ASSERT_TRUE(buffer.isOk()) << buffer.status().message();
  std::vector<unsigned char> in(1024), out(1024, 0);
  for (int i = 0; i < 1024; ++i)
    in[i] = static_cast<unsigned char>(i * 7);
  ASSERT_TRUE(buffer->copyFromHost(in.data(), in.size()).isOk());
  ASSERT_TRUE(buffer->copyToHost(out.data(), out.size()).isOk());
  EXPECT_EQ(in, out);
  // Partial copies at an offset.
  ASSERT_TRUE(buffer->copyToHost(out.data(), 16, 1000).isOk());
  EXPECT_EQ(0, std::memcmp(out.data(), in.data() + 1000, 16));
  ASSERT_TRUE(buffer->fill(0xab).isOk());
  ASSERT_TRUE(buffer->copyToHost(out.data(), out.size()).isOk());
  EXPECT_EQ(out, std::vector<unsigned char>(1024, 0xab));

  Status overrun = buffer->copyFromHost(in.data(), 16, 1016);
  ASSERT_FALSE(overrun.isOk());
  EXPECT_NE(overrun.message().find("runs past the end of a 1024-byte"),
            std::string::npos)
      << overrun.message();
  StatusOr<DeviceBuffer> empty = DeviceBuffer::allocate(driver(), 0);
  ASSERT_TRUE(empty.isOk());
  EXPECT_EQ(empty->pointer(), 0u);
}

TEST_F(CudaDevice, VectorAddFromNvrtcCubinMatchesHost) {
  Module module = compileAndLoad(kVectorAdd);
  StatusOr<Function> add = module.function("vectorAdd");
  ASSERT_TRUE(add.isOk()) << add.status().message();
  const int n = 100003; // not a multiple of the block size
  VectorAddData data(n);
  const std::size_t bytes = n * sizeof(float);
  StatusOr<DeviceBuffer> a = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> b = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> c = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk() && stream.isOk());
  ASSERT_TRUE(a->copyFromHost(data.a.data(), bytes).isOk());
  ASSERT_TRUE(b->copyFromHost(data.b.data(), bytes).isOk());
  ASSERT_TRUE(c->fill(0).isOk());

  CUdeviceptr pc = c->pointer(), pa = a->pointer(), pb = b->pointer();
  int count = n;
  void *args[] = {&pc, &pa, &pb, &count};
  Status launched =
      launch(*add, {unsigned((n + 255) / 256)}, {256}, 0, *stream, args);
  ASSERT_TRUE(launched.isOk()) << launched.message();
  ASSERT_TRUE(stream->synchronize().isOk());
  std::vector<float> result(n);
  ASSERT_TRUE(c->copyToHost(result.data(), bytes).isOk());
  EXPECT_EQ(result, data.expected);
}

TEST_F(CudaDevice, VectorAddFromPtxMatchesHost) {
  Module module = compileAndLoad(kVectorAdd, /*fromPtx=*/true);
  StatusOr<Function> add = module.function("vectorAdd");
  ASSERT_TRUE(add.isOk()) << add.status().message();
  const int n = 4096;
  VectorAddData data(n);
  const std::size_t bytes = n * sizeof(float);
  StatusOr<DeviceBuffer> a = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> b = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> c = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk() && stream.isOk());
  ASSERT_TRUE(a->copyFromHost(data.a.data(), bytes).isOk());
  ASSERT_TRUE(b->copyFromHost(data.b.data(), bytes).isOk());
  CUdeviceptr pc = c->pointer(), pa = a->pointer(), pb = b->pointer();
  int count = n;
  void *args[] = {&pc, &pa, &pb, &count};
  ASSERT_TRUE(launch(*add, {16}, {256}, 0, *stream, args).isOk());
  ASSERT_TRUE(stream->synchronize().isOk());
  std::vector<float> result(n);
  ASSERT_TRUE(c->copyToHost(result.data(), bytes).isOk());
  EXPECT_EQ(result, data.expected);
}

TEST_F(CudaDevice, EventsTimeALaunch) {
  Module module = compileAndLoad(kVectorAdd);
  StatusOr<Function> add = module.function("vectorAdd");
  ASSERT_TRUE(add.isOk());
  const int n = 1 << 24; // 64 MiB per vector: long enough to measure
  const std::size_t bytes = std::size_t(n) * sizeof(float);
  StatusOr<DeviceBuffer> a = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> c = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  StatusOr<Event> start = Event::create(driver());
  StatusOr<Event> stop = Event::create(driver());
  ASSERT_TRUE(a.isOk() && c.isOk() && stream.isOk() && start.isOk() &&
              stop.isOk());
  ASSERT_TRUE(a->fillAsync(0x3f, *stream).isOk()); // 0x3f3f3f3f ~ 0.747f
  CUdeviceptr pc = c->pointer(), pa = a->pointer();
  int count = n;
  void *args[] = {&pc, &pa, &pa, &count};
  ASSERT_TRUE(start->record(*stream).isOk());
  ASSERT_TRUE(
      launch(*add, {unsigned(n / 256)}, {256}, 0, *stream, args).isOk());
  ASSERT_TRUE(stop->record(*stream).isOk());
  ASSERT_TRUE(stop->synchronize().isOk());
  StatusOr<bool> complete = stop->isComplete();
  ASSERT_TRUE(complete.isOk());
  EXPECT_TRUE(*complete);
  StatusOr<float> ms = Event::elapsedMs(*start, *stop);
  ASSERT_TRUE(ms.isOk()) << ms.status().message();
  // 192 MiB of traffic: well above zero, far below a second on any GPU.
  EXPECT_GT(*ms, 0.0f);
  EXPECT_LT(*ms, 1000.0f);
  float sample = 0;
  ASSERT_TRUE(c->copyToHost(&sample, sizeof(sample), bytes - 4).isOk());
  float one;
  const unsigned pattern = 0x3f3f3f3f;
  std::memcpy(&one, &pattern, sizeof(one));
  EXPECT_EQ(sample, one + one);
}

TEST_F(CudaDevice, CapturedGraphReplaysWithCurrentInputs) {
  Module module = compileAndLoad(kVectorAdd);
  StatusOr<Function> add = module.function("vectorAdd");
  ASSERT_TRUE(add.isOk());
  const int n = 5000;
  VectorAddData data(n);
  const std::size_t bytes = n * sizeof(float);
  StatusOr<DeviceBuffer> a = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> b = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> c = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk() && stream.isOk());
  ASSERT_TRUE(a->copyFromHost(data.a.data(), bytes).isOk());
  ASSERT_TRUE(b->copyFromHost(data.b.data(), bytes).isOk());

  CUdeviceptr pc = c->pointer(), pa = a->pointer(), pb = b->pointer();
  int count = n;
  void *args[] = {&pc, &pa, &pb, &count};
  StatusOr<Graph> graph = Graph::capture(*stream, [&] {
    LLMC_RETURN_IF_ERROR(c->fillAsync(0, *stream));
    return launch(*add, {unsigned((n + 127) / 128)}, {128}, 0, *stream, args);
  });
  ASSERT_TRUE(graph.isOk()) << graph.status().message();
  StatusOr<GraphExec> exec = GraphExec::instantiate(*graph);
  ASSERT_TRUE(exec.isOk()) << exec.status().message();

  // Capture recorded the work without running it.
  std::vector<float> result(n, -1.0f);
  ASSERT_TRUE(c->fill(0xff).isOk());
  ASSERT_TRUE(exec->launch(*stream).isOk());
  ASSERT_TRUE(stream->synchronize().isOk());
  ASSERT_TRUE(c->copyToHost(result.data(), bytes).isOk());
  EXPECT_EQ(result, data.expected);

  // A replay reads the buffers as they are now: swap a's contents for b's.
  ASSERT_TRUE(a->copyFromHost(data.b.data(), bytes).isOk());
  ASSERT_TRUE(exec->launch(*stream).isOk());
  ASSERT_TRUE(stream->synchronize().isOk());
  ASSERT_TRUE(c->copyToHost(result.data(), bytes).isOk());
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(result[i], data.b[i] + data.b[i]) << i;
}

TEST_F(CudaDevice, FailedRecordingEndsCaptureAndLeavesStreamUsable) {
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(stream.isOk());
  StatusOr<Graph> graph = Graph::capture(
      *stream, [] { return Status::error("recording went wrong"); });
  ASSERT_FALSE(graph.isOk());
  EXPECT_NE(graph.status().message().find("recording went wrong"),
            std::string::npos);
  EXPECT_TRUE(stream->synchronize().isOk());
}

TEST_F(CudaDevice, PinnedBufferAsyncCopyRoundTrip) {
  const std::size_t bytes = 1 << 20;
  StatusOr<PinnedBuffer> up = PinnedBuffer::allocate(driver(), bytes);
  StatusOr<PinnedBuffer> down = PinnedBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> device = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> copy = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  StatusOr<Event> done = Event::create(driver(), /*timing=*/false);
  ASSERT_TRUE(up.isOk() && down.isOk() && device.isOk() && copy.isOk() &&
              stream.isOk() && done.isOk());
  auto *in = static_cast<unsigned char *>(up->data());
  auto *out = static_cast<unsigned char *>(down->data());
  for (std::size_t i = 0; i < bytes; ++i) {
    in[i] = static_cast<unsigned char>(i * 131 + 7);
    out[i] = 0;
  }
  ASSERT_TRUE(device->copyFromHostAsync(in, bytes, *stream).isOk());
  ASSERT_TRUE(copy->copyFromDeviceAsync(*device, *stream).isOk());
  ASSERT_TRUE(copy->copyToHostAsync(out, bytes, *stream).isOk());
  ASSERT_TRUE(done->record(*stream).isOk());
  ASSERT_TRUE(done->synchronize().isOk());
  EXPECT_EQ(0, std::memcmp(in, out, bytes));
  StatusOr<bool> idle = stream->isIdle();
  ASSERT_TRUE(idle.isOk());
  EXPECT_TRUE(*idle);
}

TEST_F(CudaDevice, LargeDynamicSharedMemoryIsOptedIntoForTheLaunch) {
  const int sharedBytes = 96 * 1024;
  if (props().maxSharedMemoryPerBlockOptin < sharedBytes)
    GTEST_SKIP() << "device allows only "
                 << props().maxSharedMemoryPerBlockOptin << " bytes";
  Module module = compileAndLoad(kSharedSum);
  StatusOr<Function> sum = module.function("sharedSum");
  ASSERT_TRUE(sum.isOk());
  StatusOr<DeviceBuffer> out =
      DeviceBuffer::allocate(driver(), 2 * sizeof(int));
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(out.isOk() && stream.isOk());
  CUdeviceptr po = out->pointer();
  int words = sharedBytes / int(sizeof(int));
  void *args[] = {&po, &words};
  Status launched = launch(*sum, {2}, {256}, sharedBytes, *stream, args);
  ASSERT_TRUE(launched.isOk()) << launched.message();
  ASSERT_TRUE(stream->synchronize().isOk());
  int result[2] = {};
  ASSERT_TRUE(out->copyToHost(result, sizeof(result)).isOk());
  long long expected = (long long)words * (words - 1) / 2 % 1000003;
  EXPECT_EQ(result[0], expected);
  EXPECT_EQ(result[1], expected);
}

TEST_F(CudaDevice, LaunchErrorsNameTheCallAndTheDriverError) {
  Module module = compileAndLoad(kVectorAdd);
  StatusOr<Function> add = module.function("vectorAdd");
  ASSERT_TRUE(add.isOk());
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(stream.isOk());
  CUdeviceptr none = 0;
  int count = 0;
  void *args[] = {&none, &none, &none, &count};
  // 4096 threads per block is past every GPU's limit of 1024.
  Status launched = launch(*add, {1}, {4096}, 0, *stream, args);
  ASSERT_FALSE(launched.isOk());
  EXPECT_NE(launched.message().find("cuLaunchKernel: CUDA_ERROR_INVALID_VALUE"),
            std::string::npos)
      << launched.message();
  EXPECT_NE(launched.message().find("launching vectorAdd"), std::string::npos);
}

TEST_F(CudaDevice, ModuleErrorsAreSpecific) {
  Module module = compileAndLoad(kVectorAdd);
  StatusOr<Function> missing = module.function("noSuchKernel");
  ASSERT_FALSE(missing.isOk());
  EXPECT_NE(missing.status().message().find("cuModuleGetFunction"),
            std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("noSuchKernel"), std::string::npos);

  StatusOr<Module> notElf = Module::loadCubin(
      driver(), std::vector<char>{'j', 'u', 'n', 'k'}, "junk");
  ASSERT_FALSE(notElf.isOk());
  EXPECT_NE(notElf.status().message().find("junk: not a cubin"),
            std::string::npos);

  StatusOr<Module> badPtx = Module::loadPtx(
      driver(), ".version 9.0\n.target sm_90\nthis is not ptx\n", "bad.ptx");
  ASSERT_FALSE(badPtx.isOk());
  EXPECT_NE(badPtx.status().message().find("loading module bad.ptx"),
            std::string::npos)
      << badPtx.status().message();
}

TEST_F(CudaDevice, ProgrammaticLaunchChainStaysOrdered) {
  if (props().computeCapabilityMajor < 9)
    GTEST_SKIP() << "programmatic dependent launch needs sm_90";
  Module module = compileAndLoad(kChainLink);
  StatusOr<Function> link = module.function("chainLink");
  ASSERT_TRUE(link.isOk());
  const int n = 1 << 20, links = 64;
  const std::size_t bytes = n * sizeof(float);
  StatusOr<DeviceBuffer> ping = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<DeviceBuffer> pong = DeviceBuffer::allocate(driver(), bytes);
  StatusOr<Stream> stream = Stream::create(driver());
  ASSERT_TRUE(ping.isOk() && pong.isOk() && stream.isOk());
  CUdeviceptr buffers[2] = {ping->pointer(), pong->pointer()};
  int count = n;
  auto chain = [&]() -> Status {
    LLMC_RETURN_IF_ERROR(ping->fillAsync(0, *stream));
    for (int i = 0; i < links; ++i) {
      void *args[] = {&buffers[(i + 1) % 2], &buffers[i % 2], &count};
      LLMC_RETURN_IF_ERROR(launch(*link, {unsigned(n / 256)}, {256}, 0, *stream,
                                  args, LaunchOverlap::Programmatic));
    }
    return Status::ok();
  };
  auto expectCount = [&](const char *how) {
    std::vector<float> result(n);
    ASSERT_TRUE(ping->copyToHost(result.data(), bytes).isOk());
    for (int i = 0; i < n; i += 997)
      ASSERT_EQ(result[size_t(i)], float(links)) << how << ", element " << i;
  };
  // Straight on the stream, then captured into a graph and replayed twice.
  Status direct = chain();
  ASSERT_TRUE(direct.isOk()) << direct.message();
  ASSERT_TRUE(stream->synchronize().isOk());
  expectCount("stream");
  StatusOr<Graph> graph = Graph::capture(*stream, chain);
  ASSERT_TRUE(graph.isOk()) << graph.status().message();
  StatusOr<GraphExec> exec = GraphExec::instantiate(*graph);
  ASSERT_TRUE(exec.isOk()) << exec.status().message();
  for (int replay = 0; replay < 2; ++replay) {
    ASSERT_TRUE(exec->launch(*stream).isOk());
    ASSERT_TRUE(stream->synchronize().isOk());
    expectCount("graph");
  }
}

} // namespace
} // namespace llmc::cuda
