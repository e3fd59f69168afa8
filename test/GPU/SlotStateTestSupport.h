// Per-slot device state (SlotState.cuh) for GPU tests: a host description of
// the slots, its upload into one device array per field, the host mirror of
// the SlotState struct the kernels take by value, and the download back.
#pragma once

#include "test/GPU/KernelHarness.h"

#include <cstdint>
#include <vector>

namespace llmc::gputest {

/// Stop ids per slot (kMaxStopIds in SlotState.cuh).
constexpr int kTestMaxStopIds = 4;

/// FinishReason values of SlotState.cuh.
enum TestFinishReason : int32_t {
  kTestRunning = 0,
  kTestStopToken = 1,
  kTestMaxTokens = 2,
  kTestContextEnd = 3,
  kTestIdle = 4,
};

/// The slots' state on the host, one entry per slot in each vector.
struct HostSlots {
  std::vector<int32_t> tokens, positions, generated, finished;
  std::vector<int32_t> maxNewTokens, stopIds, eosIds, contextLimits;
  std::vector<float> temperatures;
  std::vector<int32_t> topKs;
  std::vector<float> topPs;
  std::vector<uint64_t> seeds;

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
    return size() - 1;
  }
};

/// Host mirror of SlotState (SlotState.cuh), passed by value to kernels.
struct SlotStateArg {
  CUdeviceptr tokens = 0, positions = 0, generated = 0, finished = 0;
  CUdeviceptr maxNewTokens = 0, stopIds = 0, eosIds = 0, contextLimits = 0;
  CUdeviceptr temperatures = 0, topKs = 0, topPs = 0, seeds = 0;
  int32_t numSlots = 0;
};
static_assert(sizeof(SlotStateArg) == 104,
              "must match SlotState's layout on the device");

/// Host mirror of TokenRingEntry (SlotState.cuh).
struct TokenRingEntryArg {
  int32_t token;
  int32_t finishReason;
};
static_assert(sizeof(TokenRingEntryArg) == 8, "one 8-byte ring entry");

/// The slots on the device, one array per field.
struct DeviceSlots {
  DeviceArray<int32_t> tokens, positions, generated, finished;
  DeviceArray<int32_t> maxNewTokens, stopIds, eosIds, contextLimits;
  DeviceArray<float> temperatures;
  DeviceArray<int32_t> topKs;
  DeviceArray<float> topPs;
  DeviceArray<uint64_t> seeds;
  int32_t numSlots = 0;

  SlotStateArg arg() const {
    SlotStateArg a;
    a.tokens = tokens.pointer();
    a.positions = positions.pointer();
    a.generated = generated.pointer();
    a.finished = finished.pointer();
    a.maxNewTokens = maxNewTokens.pointer();
    a.stopIds = stopIds.pointer();
    a.eosIds = eosIds.pointer();
    a.contextLimits = contextLimits.pointer();
    a.temperatures = temperatures.pointer();
    a.topKs = topKs.pointer();
    a.topPs = topPs.pointer();
    a.seeds = seeds.pointer();
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
  d.numSlots = host.size();
  return d;
}

} // namespace llmc::gputest
