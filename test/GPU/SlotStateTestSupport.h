// Per-slot device state (engine::SlotState of runtime/engine/EngineAbi.h) for
// GPU tests: a host description of the slots, its upload into one device array
// per field, the SlotState struct the kernels take by value, and the download
// back.
#pragma once

#include "runtime/engine/EngineAbi.h"
#include "test/GPU/KernelHarness.h"

#include <cstdint>
#include <vector>

namespace llmc::gputest {

constexpr int kTestMaxStopIds = engine::kMaxStopIds;

/// The finish codes as the `finished` array and the ring store them.
constexpr int32_t kTestRunning = int32_t(engine::FinishReason::Running);
constexpr int32_t kTestStopToken = int32_t(engine::FinishReason::StopToken);
constexpr int32_t kTestMaxTokens = int32_t(engine::FinishReason::MaxTokens);
constexpr int32_t kTestContextEnd = int32_t(engine::FinishReason::ContextEnd);
constexpr int32_t kTestIdle = int32_t(engine::FinishReason::Idle);

/// The slots' state on the host, one entry per slot in each vector.
struct HostSlots {
  std::vector<int32_t> tokens, positions, generated, finished;
  std::vector<int32_t> maxNewTokens, stopIds, eosIds, contextLimits;
  std::vector<float> temperatures;
  std::vector<int32_t> topKs;
  std::vector<float> topPs;
  std::vector<uint64_t> seeds;
  std::vector<int32_t> topLogprobs;

  int size() const { return int(tokens.size()); }

  /// Appends a running slot at `position` with no stop ids, EOS -1, large
  /// limits and greedy sampling; adjust the fields afterwards.
  int add(int32_t token, int32_t position) {
    tokens.push_back(token);
    positions.push_back(position);
    generated.push_back(0);
    finished.push_back(kTestRunning);
    maxNewTokens.push_back(1 << 30);
    for (int i = 0; i < kTestMaxStopIds; ++i)
      stopIds.push_back(-1);
    eosIds.push_back(-1);
    contextLimits.push_back(1 << 30);
    temperatures.push_back(0.0f);
    topKs.push_back(0);
    topPs.push_back(1.0f);
    seeds.push_back(0);
    topLogprobs.push_back(-1);
    return size() - 1;
  }
};

/// The kernels' SlotState, passed by value; its pointers hold device addresses.
using SlotStateArg = engine::SlotState;
using TokenRingEntryArg = engine::TokenRingEntry;
using LogprobRingEntryArg = engine::LogprobRingEntry;

/// The slots on the device, one array per field.
struct DeviceSlots {
  DeviceArray<int32_t> tokens, positions, generated, finished;
  DeviceArray<int32_t> maxNewTokens, stopIds, eosIds, contextLimits;
  DeviceArray<float> temperatures;
  DeviceArray<int32_t> topKs;
  DeviceArray<float> topPs;
  DeviceArray<uint64_t> seeds;
  DeviceArray<int32_t> topLogprobs;
  int32_t numSlots = 0;

  SlotStateArg arg() const {
    SlotStateArg a;
    // Every SlotState field has a DeviceArray of the same name here.
#define LLMC_TEST_SLOT_POINTER(name, ctype, field, perSlot, writable)          \
  a.field = reinterpret_cast<decltype(a.field)>(field.pointer());
    LLMC_ENGINE_SLOT_ARRAYS(LLMC_TEST_SLOT_POINTER)
#undef LLMC_TEST_SLOT_POINTER
    a.numSlots = numSlots;
    return a;
  }

  /// The mutable fields (tokens, positions, generated, finished) as the
  /// kernels left them; the others are copied from `host`.
  StatusOr<HostSlots> download(const HostSlots &host) const {
    HostSlots now = host;
    LLMC_ASSIGN_OR_RETURN(now.tokens, tokens.download());
    LLMC_ASSIGN_OR_RETURN(now.positions, positions.download());
    LLMC_ASSIGN_OR_RETURN(now.generated, generated.download());
    LLMC_ASSIGN_OR_RETURN(now.finished, finished.download());
    return now;
  }
};

inline StatusOr<DeviceSlots> uploadSlots(const GpuContext &gpu,
                                         const HostSlots &host) {
  DeviceSlots d;
  LLMC_ASSIGN_OR_RETURN(d.tokens, gpu.upload(host.tokens));
  LLMC_ASSIGN_OR_RETURN(d.positions, gpu.upload(host.positions));
  LLMC_ASSIGN_OR_RETURN(d.generated, gpu.upload(host.generated));
  LLMC_ASSIGN_OR_RETURN(d.finished, gpu.upload(host.finished));
  LLMC_ASSIGN_OR_RETURN(d.maxNewTokens, gpu.upload(host.maxNewTokens));
  LLMC_ASSIGN_OR_RETURN(d.stopIds, gpu.upload(host.stopIds));
  LLMC_ASSIGN_OR_RETURN(d.eosIds, gpu.upload(host.eosIds));
  LLMC_ASSIGN_OR_RETURN(d.contextLimits, gpu.upload(host.contextLimits));
  LLMC_ASSIGN_OR_RETURN(d.temperatures, gpu.upload(host.temperatures));
  LLMC_ASSIGN_OR_RETURN(d.topKs, gpu.upload(host.topKs));
  LLMC_ASSIGN_OR_RETURN(d.topPs, gpu.upload(host.topPs));
  LLMC_ASSIGN_OR_RETURN(d.seeds, gpu.upload(host.seeds));
  LLMC_ASSIGN_OR_RETURN(d.topLogprobs, gpu.upload(host.topLogprobs));
  d.numSlots = host.size();
  return d;
}

} // namespace llmc::gputest
