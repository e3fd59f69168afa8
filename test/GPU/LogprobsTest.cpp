// The GPU log-probabilities (Logprobs.cuh) against ref::tokenLogprobs, the
// function the CPU executor reports: the sampled token's log-probability and
// the top n (n = 0, 1, 5, 20) alternatives, on vocabularies of several sizes
// (odd ones, one smaller than n, Llama-3's), on rows with exact ties (values
// on a grid, all equal but a few maxima, ties at the n-th place) and rows
// with -inf entries; plus the entries the kernel must leave alone: slots that
// ask for none, finished and idle slots, slots a prefill's mask leaves out.
//
// Tolerance: ids and their order must be equal (ties broken by lower id, as
// the reference's sort does). A log-probability may differ by 1e-6 relative
// (at least 1e-6 absolute): logZ is summed in another order than the
// reference's loop and the device's double exp/log may differ from the
// host's by an ulp, which moves logZ by ~1e-15 relative; rounded to float,
// the value then differs by at most an ulp (~1.2e-7 relative).
#include "test/GPU/SlotStateTestSupport.h"

#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace llmc::gputest {
namespace {

constexpr int kThreads = 256; // the registry's choice (selectLogprobs)
constexpr int kRingRows = 3;
constexpr unsigned kStepCounter = 7; // ring row 7 % 3 = 1

std::string logprobsSource(int vocab) {
  return "#include \"Logprobs.cuh\"\n"
         "using namespace llmc::kernels;\n"
         "using Kernel = LogprobsKernel<" +
         std::to_string(vocab) + ", " + std::to_string(kThreads) +
         ">;\n"
         "extern \"C\" __global__ void\n"
         "__launch_bounds__(Kernel::kThreads, Kernel::kMinBlocksPerSm)\n"
         "logprobs(const float *logits, SlotState state, const int *slotMask,\n"
         "         const int *sampled, LogprobRingEntry *ring, int ringRows,\n"
         "         const unsigned *stepCounter) {\n"
         "  Kernel::run(logits, state, slotMask, sampled, ring, ringRows,\n"
         "              stepCounter);\n"
         "}\n";
}

/// Rows of logits, each stressing another part of the kernel.
enum class RowKind {
  Spread, ///< uniform in [-8, 8)
  Grid,   ///< values on a 0.5 grid, zeros of both signs: ties everywhere
  Flat,   ///< all equal but three tied maxima: ties at every cut past 3
  Masked, ///< two thirds of the ids at -inf
};
constexpr int kRowKinds = 4;

std::vector<float> makeRow(RowKind kind, int vocab, std::mt19937_64 &rng) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::uniform_int_distribution<int> anyId(0, vocab - 1);
  std::vector<float> row(std::size_t(vocab), 0.0f);
  for (std::size_t i = 0; i < row.size(); ++i) {
    switch (kind) {
    case RowKind::Spread:
      row[i] = 8.0f * uniform(rng);
      break;
    case RowKind::Grid:
      row[i] = std::round(8.0f * uniform(rng)) * 0.5f;
      break;
    case RowKind::Flat:
      row[i] = 0.25f;
      break;
    case RowKind::Masked:
      row[i] = i % 3 == 1 || vocab < 3 ? 8.0f * uniform(rng) : -INFINITY;
      break;
    }
  }
  if (kind == RowKind::Flat)
    for (int i = 0; i < 3; ++i)
      row[std::size_t(anyId(rng))] = 1.5f;
  return row;
}

/// One launch over `slots` rows.
struct LogprobsRun {
  int vocab;
  HostSlots slots;
  std::vector<float> logits;     ///< [slots, vocab]
  std::vector<int32_t> sampled;  ///< [slots]
  std::vector<int32_t> slotMask; ///< empty: null
};

bool close(float got, float want) {
  if (std::isinf(want))
    return got == want;
  return std::fabs(got - want) <= 1e-6f * std::max(1.0f, std::fabs(want));
}

/// Launches the kernel and checks every entry of the ring: the selected
/// slots that ask against the reference, every other entry unwritten.
/// Returns the number of entries checked against the reference.
int checkLogprobs(const GpuContext &gpu, const KernelModule &module,
                  const LogprobsRun &run) {
  const int n = run.slots.size();
  engine::LogprobRingEntry unwritten{};
  unwritten.count = -1;
  StatusOr<DeviceSlots> device = uploadSlots(gpu, run.slots);
  auto logits = gpu.upload(run.logits);
  auto sampled = gpu.upload(run.sampled);
  auto mask = gpu.upload(run.slotMask);
  auto ring = gpu.upload(std::vector<engine::LogprobRingEntry>(
      std::size_t(kRingRows * n), unwritten));
  auto counter = gpu.upload(std::vector<uint32_t>{kStepCounter});
  if (!device.isOk() || !logits.isOk() || !sampled.isOk() || !mask.isOk() ||
      !ring.isOk() || !counter.isOk()) {
    ADD_FAILURE() << "upload failed";
    return 0;
  }
  const CUdeviceptr maskPointer = run.slotMask.empty() ? 0 : mask->pointer();
  Status launched = module.launch(
      "logprobs", {unsigned(n)}, {unsigned(kThreads)}, 0, logits->pointer(),
      device->arg(), maskPointer, sampled->pointer(), ring->pointer(),
      kRingRows, counter->pointer());
  EXPECT_TRUE(launched.isOk()) << launched.message();
  StatusOr<std::vector<engine::LogprobRingEntry>> entries = ring->download();
  EXPECT_TRUE(entries.isOk()) << entries.status().message();
  if (!launched.isOk() || !entries.isOk())
    return 0;

  const int row = int(kStepCounter % kRingRows);
  int checked = 0;
  for (int r = 0; r < kRingRows; ++r)
    for (int s = 0; s < n; ++s) {
      const engine::LogprobRingEntry &e = (*entries)[std::size_t(r * n + s)];
      const std::size_t slot = std::size_t(s);
      const bool active = run.slots.finished[slot] == kTestRunning &&
                          run.slots.positions[slot] >= 0;
      const bool selected = run.slotMask.empty() || run.slotMask[slot] >= 0;
      const int32_t wanted = run.slots.topLogprobs[slot];
      if (r != row || !active || !selected || wanted < 0) {
        EXPECT_EQ(e.count, -1)
            << "ring row " << r << " slot " << s << " was written";
        continue;
      }
      const float *logitsRow =
          run.logits.data() + slot * std::size_t(run.vocab);
      const ref::TokenLogprobs want =
          ref::tokenLogprobs(logitsRow, run.vocab, run.sampled[slot], wanted);
      const std::string where = "vocab " + std::to_string(run.vocab) +
                                " slot " + std::to_string(s) + " n " +
                                std::to_string(wanted);
      EXPECT_TRUE(close(e.logprob, want.logprob))
          << where << ": sampled " << run.sampled[slot] << " logprob "
          << e.logprob << ", reference " << want.logprob;
      EXPECT_EQ(e.count, int(want.top.size())) << where;
      for (int j = 0; j < std::min(e.count, int(want.top.size())); ++j) {
        EXPECT_EQ(e.ids[j], want.top[std::size_t(j)].first)
            << where << " rank " << j;
        EXPECT_TRUE(close(e.logprobs[j], want.top[std::size_t(j)].second))
            << where << " rank " << j << ": " << e.logprobs[j] << ", reference "
            << want.top[std::size_t(j)].second;
      }
      ++checked;
    }
  return checked;
}

struct LogprobsCase {
  std::string name;
  int vocab;
};

class LogprobsTest : public ::testing::TestWithParam<LogprobsCase> {};

TEST_P(LogprobsTest, MatchesTheReferenceForEveryTopN) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const LogprobsCase &c = GetParam();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(logprobsSource(c.vocab),
                                                   c.name + "_logprobs.cu"));
  const int topNs[] = {0, 1, 5, engine::kMaxTopLogprobs};
  std::mt19937_64 rng(uint64_t(c.vocab) * 31 + 1);
  std::uniform_int_distribution<int> anyId(0, c.vocab - 1);
  LogprobsRun run{c.vocab, {}, {}, {}, {}};
  for (int s = 0; s < 4 * kRowKinds; ++s) {
    std::vector<float> row = makeRow(RowKind(s % kRowKinds), c.vocab, rng);
    // A tie exactly at the 5th place of a spread row: ids 0 and vocab - 1
    // share the 5th largest logit, and the lower id must make the cut.
    if (s == 8 && c.vocab >= 12) {
      for (int i = 1; i <= 4; ++i)
        row[std::size_t(i)] = 100.0f + float(i);
      row[0] = row[std::size_t(c.vocab - 1)] = 50.0f;
    }
    run.logits.insert(run.logits.end(), row.begin(), row.end());
    const int slot = run.slots.add(1, 10 + s);
    run.slots.topLogprobs[std::size_t(slot)] = topNs[(s / kRowKinds) % 4];
    int token = anyId(rng);
    if (RowKind(s % kRowKinds) == RowKind::Masked && c.vocab >= 3)
      token = 1 + 3 * (token / 3) < c.vocab ? 1 + 3 * (token / 3) : 1;
    run.sampled.push_back(token);
  }
  EXPECT_EQ(checkLogprobs(gpu, module, run), 4 * kRowKinds);
}

TEST_P(LogprobsTest, WritesOnlySelectedActiveSlotsThatAsk) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  const LogprobsCase &c = GetParam();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(logprobsSource(c.vocab),
                                                   c.name + "_logprobs.cu"));
  // A prefill step's mask (its logit_rows): -1 for slots whose prompt did
  // not end in it.
  std::mt19937_64 rng(uint64_t(c.vocab) + 5);
  std::uniform_int_distribution<int> anyId(0, c.vocab - 1);
  LogprobsRun run{c.vocab, {}, {}, {}, {}};
  int expected = 0;
  for (int s = 0; s < 12; ++s) {
    std::vector<float> row = makeRow(RowKind::Spread, c.vocab, rng);
    run.logits.insert(run.logits.end(), row.begin(), row.end());
    const int slot = run.slots.add(1, 40 + s);
    run.slots.topLogprobs[std::size_t(slot)] = s % 4 == 3 ? -1 : 3;
    run.sampled.push_back(anyId(rng));
    run.slotMask.push_back(s % 5 == 0 ? -1 : s);
    if (s == 6)
      run.slots.finished[std::size_t(slot)] = kTestStopToken;
    if (s == 10) {
      run.slots.positions[std::size_t(slot)] = -1;
      run.slots.finished[std::size_t(slot)] = kTestIdle;
    }
    if (s % 4 != 3 && s % 5 != 0 && s != 6 && s != 10)
      ++expected;
  }
  ASSERT_EQ(expected, 5);
  EXPECT_EQ(checkLogprobs(gpu, module, run), expected);
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, LogprobsTest,
                         ::testing::Values(LogprobsCase{"llama3_128256",
                                                        128256},
                                           LogprobsCase{"odd_50257", 50257},
                                           LogprobsCase{"odd_301", 301},
                                           LogprobsCase{"fewer_than_n_7", 7}),
                         [](const auto &info) { return info.param.name; });

} // namespace
} // namespace llmc::gputest
