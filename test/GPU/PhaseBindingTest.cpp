// A phase bound and run on the device: a launch with a few-rows kernel runs
// that kernel, with its own grid and block, for runs of at most max_rows rows
// and its main kernel above, and the launch profiler names the kernel that
// ran.
#include "runtime/gpu/LaunchProfiler.h"
#include "runtime/gpu/PhaseLaunches.h"
#include "test/GPU/KernelHarness.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmc::gputest {
namespace {

// Each kernel counts the blocks it ran in its own counter and records its
// block size, so the test sees which kernel ran with which shape:
// marks[0..1] for the main kernel, marks[2..3] for the few-rows kernel.
const char *kSource = R"(
extern "C" __global__ void mark_main(int *marks, int rows) {
  if (threadIdx.x == 0) {
    atomicAdd(&marks[0], 1);
    marks[1] = blockDim.x;
  }
}
extern "C" __global__ void mark_few_rows(int *marks, int rows) {
  if (threadIdx.x == 0) {
    atomicAdd(&marks[2], 1);
    marks[3] = blockDim.x;
  }
}
)";

/// One launch: mark_main over one block per row, or mark_few_rows over one
/// block per 4 rows for runs of at most 4 rows.
Phase markPhase() {
  KernelArg marks;
  marks.kind = ArgKind::Input;
  marks.name = "tokens";
  KernelArg rows;
  rows.kind = ArgKind::Scalar;
  rows.name = "rows";
  KernelLaunch launch;
  launch.kernel = "mark_main";
  launch.grid = {"rows", "1", "1"};
  launch.blockThreads = 64;
  launch.args = {marks, rows};
  // An arch no device runs, then the few-rows variant.
  LaunchVariant other;
  other.kernel = "mark_other_arch";
  other.grid = {"1", "1", "1"};
  other.blockThreads = 1;
  other.guard.archs = {"sm_10"};
  LaunchVariant fewRows;
  fewRows.kernel = "mark_few_rows";
  fewRows.grid = {"ceildiv(rows, 4)", "1", "1"};
  fewRows.blockThreads = 32;
  fewRows.guard.maxRows = 4;
  launch.variants = {other, fewRows};
  Phase phase;
  phase.name = "prefill";
  phase.maxRows = 16;
  phase.launches = {launch};
  return phase;
}

class PhaseBinding : public ::testing::Test {
protected:
  void SetUp() override {
    LLMC_REQUIRE_GPU();
    const GpuContext &gpu = *GpuContext::get();
    LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(kSource, "marks.cu"));
    module_.emplace(std::move(module));
    for (const char *name : {"mark_main", "mark_few_rows"}) {
      LLMC_GPU_ASSIGN(cuda::Function function,
                      module_->module().function(name));
      functions_.emplace(name, function);
    }
    LLMC_GPU_ASSIGN(marks_, gpu.allocate<int32_t>(4));
    targets_.inputs["tokens"] = marks_.pointer();
  }

  /// The phase bound for `rows` rows, after the marks are cleared.
  StatusOr<gpu::BoundPhase> bind(int64_t rows) {
    LLMC_RETURN_IF_ERROR(marks_.fill(0));
    LLMC_RETURN_IF_ERROR(GpuContext::get()->synchronize());
    gpu::PhaseSizes sizes;
    sizes.launch.rows = rows;
    return gpu::bindPhase(phase_, functions_, "sm_80", targets_, sizes);
  }

  Phase phase_ = markPhase();
  std::optional<KernelModule> module_;
  std::map<std::string, cuda::Function> functions_;
  DeviceArray<int32_t> marks_;
  gpu::BindingTargets targets_;
};

TEST_F(PhaseBinding, RunsTheFirstVariantWhoseGuardHolds) {
  const cuda::Stream &stream = GpuContext::get()->stream();
  struct Case {
    int64_t rows;
    const char *kernel;
    unsigned blocks, threads;
    std::vector<int32_t> marks;
  };
  for (const Case &c : {Case{3, "mark_few_rows", 1, 32, {0, 0, 1, 32}},
                        Case{4, "mark_few_rows", 1, 32, {0, 0, 1, 32}},
                        Case{5, "mark_main", 5, 64, {5, 64, 0, 0}},
                        Case{16, "mark_main", 16, 64, {16, 64, 0, 0}}}) {
    SCOPED_TRACE("rows " + std::to_string(c.rows));
    LLMC_GPU_ASSIGN(gpu::BoundPhase bound, bind(c.rows));
    ASSERT_EQ(bound.launches().size(), 1u);
    const gpu::BoundLaunch &launch = bound.launches()[0];
    EXPECT_EQ(launch.kernel, c.kernel);
    EXPECT_EQ(launch.function->name(), c.kernel);
    EXPECT_EQ(launch.grid.x, c.blocks);
    EXPECT_EQ(launch.block.x, c.threads);
    LLMC_GPU_CHECK(bound.enqueue(stream));
    LLMC_GPU_CHECK(stream.synchronize());
    LLMC_GPU_ASSIGN(std::vector<int32_t> marks, marks_.download());
    EXPECT_EQ(marks, c.marks);
  }
}

TEST_F(PhaseBinding, ProfilerNamesTheKernelThatRan) {
  const GpuContext &gpu = *GpuContext::get();
  gpu::LaunchProfiler profiler(gpu.driver(), 2);
  LLMC_GPU_ASSIGN(gpu::BoundPhase few, bind(2));
  LLMC_GPU_CHECK(profiler.enqueue(0, phase_, few, 2, gpu.stream()));
  LLMC_GPU_ASSIGN(gpu::BoundPhase main, bind(8));
  LLMC_GPU_CHECK(profiler.enqueue(1, phase_, main, 8, gpu.stream()));
  LLMC_GPU_CHECK(gpu.stream().synchronize());
  LLMC_GPU_ASSIGN(std::vector<LaunchRecord> first, profiler.timings(0));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kernel, "mark_few_rows");
  EXPECT_EQ(first[0].launchIndex, 0);
  LLMC_GPU_ASSIGN(std::vector<LaunchRecord> second, profiler.timings(1));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].kernel, "mark_main");
}

} // namespace
} // namespace llmc::gputest
