// The slot update kernel (SlotState.cuh): appending the sampled token,
// advancing the position, the stop conditions in the CPU generator's order
// (stop token, max tokens, context end), the host-visible token ring in pinned
// memory, and masking: finished and idle slots are never written again, so the
// step the host launches before it sees a finish does nothing; with a slot mask
// (a prefill step's logit_rows) only the active slots it selects advance.
#include "test/GPU/SlotStateTestSupport.h"

#include "runtime/cuda/PinnedBuffer.h"

#include <cstring>

namespace llmc::gputest {
namespace {

const char *kUpdateSource = R"(
#include "SlotState.cuh"
using namespace llmc::kernels;
using Kernel = SlotUpdateKernel<128>;
extern "C" __global__ void __launch_bounds__(Kernel::kThreads)
update(SlotState state, const int *slotMask, const int *sampled,
       TokenRingEntry *ring, int rows, unsigned *stepCounter) {
  Kernel::run(state, slotMask, sampled, ring, rows, stepCounter);
}
)";

constexpr int kRingRows = 3;

/// The slot mask argument of a decode step: null, every active slot.
constexpr CUdeviceptr kNoSlotMask = 0;

/// A pinned ring of kRingRows x slots entries, every token -1 (consumed).
struct PinnedRing {
  cuda::PinnedBuffer buffer;
  int slots = 0;

  TokenRingEntryArg *entries() {
    return static_cast<TokenRingEntryArg *>(buffer.data());
  }
  TokenRingEntryArg &at(int row, int slot) {
    return entries()[std::size_t(row) * slots + std::size_t(slot)];
  }
  /// With unified addressing, pinned host memory has the same address on the
  /// device.
  CUdeviceptr device() { return CUdeviceptr(buffer.data()); }
};

StatusOr<PinnedRing> makeRing(const GpuContext &gpu, int slots) {
  PinnedRing ring;
  ring.slots = slots;
  LLMC_ASSIGN_OR_RETURN(
      ring.buffer, cuda::PinnedBuffer::allocate(gpu.driver(),
                                                std::size_t(kRingRows) * slots *
                                                    sizeof(TokenRingEntryArg)));
  for (int i = 0; i < kRingRows * slots; ++i)
    ring.entries()[i] = TokenRingEntryArg{-1, -1};
  return ring;
}

TEST(SlotUpdate, AppendsTokensDetectsStopsAndPublishesToTheRing) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(kUpdateSource, "update.cu"));

  HostSlots h;
  const int eos = h.add(11, 40); // samples its EOS
  h.eosIds[eos] = 2;
  const int stopId = h.add(12, 41); // samples its third stop id
  h.stopIds[std::size_t(stopId) * kTestMaxStopIds + 2] = 77;
  const int maxTokens = h.add(13, 42); // reaches max new tokens
  h.generated[maxTokens] = 4;
  h.maxNewTokens[maxTokens] = 5;
  const int context = h.add(14, 254); // next position = limit 255
  h.contextLimits[context] = 255;
  const int running = h.add(15, 43); // keeps going
  h.generated[running] = 9;
  h.maxNewTokens[running] = 11;
  h.eosIds[running] = 2;
  h.contextLimits[running] = 256;
  const int done = h.add(16, 44); // finished earlier: untouched
  h.finished[done] = kTestMaxTokens;
  const int idle = h.add(17, -1); // no request: untouched
  h.finished[idle] = kTestIdle;
  const int both = h.add(18, 45); // EOS and max tokens: EOS reported
  h.eosIds[both] = 2;
  h.maxNewTokens[both] = 1;
  const int stopNotEos = h.add(19, 46); // -1 stop entries never match
  h.eosIds[stopNotEos] = 5;
  const std::vector<int32_t> sampled = {2, 77, 300, 301, 302, 303, 304, 2, -1};

  LLMC_GPU_ASSIGN(DeviceSlots device, uploadSlots(gpu, h));
  LLMC_GPU_ASSIGN(auto sampledDevice, gpu.upload(sampled));
  LLMC_GPU_ASSIGN(auto counter, gpu.upload(std::vector<uint32_t>{4}));
  LLMC_GPU_ASSIGN(PinnedRing ring, makeRing(gpu, h.size()));

  LLMC_GPU_CHECK(module.launch("update", {1}, {128}, 0, device.arg(),
                               kNoSlotMask, sampledDevice.pointer(),
                               ring.device(), kRingRows, counter.pointer()));
  LLMC_GPU_ASSIGN(HostSlots after, device.download(h));
  LLMC_GPU_ASSIGN(std::vector<uint32_t> steps, counter.download());
  EXPECT_EQ(steps[0], 5u);

  struct Expect {
    int slot, reason, position, generated, token;
  };
  const Expect expects[] = {
      {eos, kTestStopToken, -1, 1, 2},
      {stopId, kTestStopToken, -1, 1, 77},
      {maxTokens, kTestMaxTokens, -1, 5, 300},
      {context, kTestContextEnd, -1, 1, 301},
      {running, kTestRunning, 44, 10, 302},
      {both, kTestStopToken, -1, 1, 2},
      {stopNotEos, kTestRunning, 47, 1, -1},
  };
  const int row = 4 % kRingRows;
  for (const Expect &e : expects) {
    SCOPED_TRACE("slot " + std::to_string(e.slot));
    EXPECT_EQ(after.finished[e.slot], e.reason);
    EXPECT_EQ(after.positions[e.slot], e.position);
    EXPECT_EQ(after.generated[e.slot], e.generated);
    EXPECT_EQ(after.tokens[e.slot], e.token);
    EXPECT_EQ(ring.at(row, e.slot).token, e.token);
    EXPECT_EQ(ring.at(row, e.slot).finishReason, e.reason);
  }
  for (int s : {done, idle}) {
    SCOPED_TRACE("inactive slot " + std::to_string(s));
    EXPECT_EQ(after.finished[s], h.finished[s]);
    EXPECT_EQ(after.positions[s], h.positions[s]);
    EXPECT_EQ(after.generated[s], h.generated[s]);
    EXPECT_EQ(after.tokens[s], h.tokens[s]);
    EXPECT_EQ(ring.at(row, s).token, -1);
  }
  // Other rows of the ring are untouched.
  for (int r = 0; r < kRingRows; ++r)
    for (int s = 0; s < h.size() && r != row; ++s)
      EXPECT_EQ(ring.at(r, s).token, -1) << "row " << r << " slot " << s;
}

TEST(SlotUpdate, OvershootStepAfterAFinishWritesNothing) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(kUpdateSource, "update.cu"));
  HostSlots h;
  const int stopper = h.add(5, 10);
  h.eosIds[stopper] = 9;
  const int runner = h.add(6, 20);
  LLMC_GPU_ASSIGN(DeviceSlots device, uploadSlots(gpu, h));
  LLMC_GPU_ASSIGN(auto counter, gpu.upload(std::vector<uint32_t>{0}));
  LLMC_GPU_ASSIGN(PinnedRing ring, makeRing(gpu, h.size()));

  // Step 0: the stopper samples EOS. Step 1 (launched before the host read
  // step 0) and step 2 must leave it alone; the runner advances each time.
  const std::vector<std::vector<int32_t>> steps = {
      {9, 100}, {9, 101}, {7, 102}};
  for (const std::vector<int32_t> &tokens : steps) {
    LLMC_GPU_ASSIGN(auto sampled, gpu.upload(tokens));
    LLMC_GPU_CHECK(module.launch("update", {1}, {128}, 0, device.arg(),
                                 kNoSlotMask, sampled.pointer(), ring.device(),
                                 kRingRows, counter.pointer()));
  }
  LLMC_GPU_ASSIGN(HostSlots after, device.download(h));
  EXPECT_EQ(after.finished[stopper], kTestStopToken);
  EXPECT_EQ(after.positions[stopper], -1);
  EXPECT_EQ(after.generated[stopper], 1);
  EXPECT_EQ(after.tokens[stopper], 9);
  EXPECT_EQ(ring.at(0, stopper).token, 9);
  EXPECT_EQ(ring.at(0, stopper).finishReason, kTestStopToken);
  EXPECT_EQ(ring.at(1, stopper).token, -1);
  EXPECT_EQ(ring.at(2, stopper).token, -1);

  EXPECT_EQ(after.finished[runner], kTestRunning);
  EXPECT_EQ(after.positions[runner], 23);
  EXPECT_EQ(after.generated[runner], 3);
  for (int r = 0; r < 3; ++r)
    EXPECT_EQ(ring.at(r, runner).token, 100 + r);
}

TEST(SlotUpdate, SlotMaskAdvancesOnlySelectedActiveSlots) {
  LLMC_REQUIRE_GPU();
  const GpuContext &gpu = *GpuContext::get();
  LLMC_GPU_ASSIGN(KernelModule module, gpu.compile(kUpdateSource, "update.cu"));

  // The update of a prefill step: the mask is the step's logit_rows, a token
  // row for each slot whose prompt ended in it, -1 for the others. Only the
  // active slots with a row advance.
  HostSlots h;
  std::vector<int32_t> mask;
  const int ended = h.add(11, 9); // prompt of 10 tokens ended: advances
  mask.push_back(4);
  const int decoding = h.add(12, 40); // active, not in this step
  h.generated[decoding] = 3;
  mask.push_back(-1);
  const int endedOnEos = h.add(13, 20); // prompt ended, samples EOS
  h.eosIds[endedOnEos] = 2;
  mask.push_back(0);
  const int midPrompt = h.add(14, 30); // active position, prompt not done
  mask.push_back(-1);
  const int done = h.add(15, -1); // finished earlier: a row never revives it
  h.finished[done] = kTestStopToken;
  mask.push_back(7);
  const int idle = h.add(16, -1); // no request
  h.finished[idle] = kTestIdle;
  mask.push_back(2);
  const int endedAtMax = h.add(17, 5); // one new token allowed
  h.maxNewTokens[endedAtMax] = 1;
  mask.push_back(9);
  const std::vector<int32_t> sampled = {50, 51, 2, 53, 54, 55, 56};

  LLMC_GPU_ASSIGN(DeviceSlots device, uploadSlots(gpu, h));
  LLMC_GPU_ASSIGN(auto maskDevice, gpu.upload(mask));
  LLMC_GPU_ASSIGN(auto sampledDevice, gpu.upload(sampled));
  LLMC_GPU_ASSIGN(auto counter, gpu.upload(std::vector<uint32_t>{7}));
  LLMC_GPU_ASSIGN(PinnedRing ring, makeRing(gpu, h.size()));
  LLMC_GPU_CHECK(module.launch("update", {1}, {128}, 0, device.arg(),
                               maskDevice.pointer(), sampledDevice.pointer(),
                               ring.device(), kRingRows, counter.pointer()));
  LLMC_GPU_ASSIGN(HostSlots after, device.download(h));
  LLMC_GPU_ASSIGN(std::vector<uint32_t> steps, counter.download());
  EXPECT_EQ(steps[0], 8u);

  struct Expect {
    int slot, reason, position, generated, token;
  };
  const Expect expects[] = {
      {ended, kTestRunning, 10, 1, 50},
      {endedOnEos, kTestStopToken, -1, 1, 2},
      {endedAtMax, kTestMaxTokens, -1, 1, 56},
  };
  const int row = 7 % kRingRows;
  for (const Expect &e : expects) {
    SCOPED_TRACE("selected slot " + std::to_string(e.slot));
    EXPECT_EQ(after.finished[e.slot], e.reason);
    EXPECT_EQ(after.positions[e.slot], e.position);
    EXPECT_EQ(after.generated[e.slot], e.generated);
    EXPECT_EQ(after.tokens[e.slot], e.token);
    EXPECT_EQ(ring.at(row, e.slot).token, e.token);
    EXPECT_EQ(ring.at(row, e.slot).finishReason, e.reason);
    for (int r = 0; r < kRingRows; ++r) {
      if (r != row) {
        EXPECT_EQ(ring.at(r, e.slot).token, -1) << "ring row " << r;
      }
    }
  }
  for (int s : {decoding, midPrompt, done, idle}) {
    SCOPED_TRACE("unselected slot " + std::to_string(s));
    EXPECT_EQ(after.finished[s], h.finished[s]);
    EXPECT_EQ(after.positions[s], h.positions[s]);
    EXPECT_EQ(after.generated[s], h.generated[s]);
    EXPECT_EQ(after.tokens[s], h.tokens[s]);
    for (int r = 0; r < kRingRows; ++r)
      EXPECT_EQ(ring.at(r, s).token, -1) << "ring row " << r;
  }
}

} // namespace
} // namespace llmc::gputest
