// DeviceModel: an engine loaded onto one GPU, and the three things a step can
// ask of it: a prefill of prompt chunks, a decode of every slot, and the
// sampling + slot update that follows either. The scheduler decides what each
// step does; this class only turns that into queued GPU work.
//
// Everything a decode step reads lives on the device: the slot state
// (SlotState of runtime/engine/EngineAbi.h), the block tables, the KV pools,
// the weights. A decode step is one CUDA graph replay (decode launches + sample
// launches, captured per bucket of active rows) and queues no host-to-device
// copy. New tokens come back through a ring of pinned, device-mapped entries
// that the slot update kernel writes (and, for the slots that ask, their
// log-probabilities through a second ring beside it that the Logprobs kernel
// writes); the host reads a step's row once the step's event completes.
//
// Host-to-device copies happen only for work that is not a decode step:
// admitting a request into a slot and a prefill batch's chunk tables. Each
// copy reads from a per-step pinned staging area that stays untouched until
// that step has completed. Single words that change between decode steps (a
// block-table entry, a released slot's flags) are set on the device by a
// 4-byte memset queued before the step, which moves nothing over PCIe.
//
// With DeviceOptions::profileLaunches every phase is queued launch by launch
// between timing events (LaunchProfiler.h) and decode runs without graphs;
// launchTimings() reads a step's per-launch times. The default path records
// no such event.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/cuda/DeviceProperties.h"
#include "runtime/cuda/Event.h"
#include "runtime/cuda/Graph.h"
#include "runtime/cuda/Module.h"
#include "runtime/cuda/PinnedBuffer.h"
#include "runtime/cuda/PrimaryContext.h"
#include "runtime/cuda/Stream.h"
#include "runtime/engine/EngineAbi.h"
#include "runtime/gpu/EngineFiles.h"
#include "runtime/gpu/LaunchProfiler.h"
#include "runtime/gpu/PhaseLaunches.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace llmc::gpu {

using engine::FinishReason;
using engine::kMaxStopIds;

struct DeviceOptions {
  int deviceOrdinal = 0;
  /// Share of the device's total memory the engine may occupy; the KV pools
  /// get what the weights, arenas and buffers leave of it.
  double gpuMemoryFraction = 0.9;
  /// Caps the KV pool at this many blocks (0: as many as fit).
  int64_t maxKvBlocks = 0;
  /// Rows of the pinned token ring: how many steps may be in flight.
  int ringRows = 4;
  bool verifyHashes = true;
  unsigned threads = 0; ///< host threads for synthetic weights (0: all)
  /// Time every launch on its own (LaunchProfiler.h): decode runs launch by
  /// launch instead of as a graph replay, so steps take longer.
  bool profileLaunches = false;
};

/// The device state a request starts with when it is admitted into a slot.
struct SlotInit {
  int32_t maxNewTokens = 0;
  std::array<int32_t, kMaxStopIds> stopIds{-1, -1, -1, -1};
  int32_t eosId = -1;
  int32_t contextLimit = 0; ///< positions available (the engine's max_seq_len)
  float temperature = 0.0f;
  int32_t topK = 0;
  float topP = 1.0f;
  uint64_t seed = 0;
  /// Tokens already generated (a recomputed request continues its count).
  int32_t generated = 0;
  /// -1: no log-probabilities; n >= 0: each token comes with its own and the
  /// n most likely tokens' (engine::LogprobRingEntry).
  int32_t topLogprobs = -1;
};

/// A piece of one sequence's prompt processed by a prefill.
struct PrefillChunk {
  int slot = 0;
  std::vector<int32_t> tokens;
  int64_t startPosition = 0; ///< position of tokens[0]
  /// The sequence's last prompt chunk: its logits are sampled and the slot
  /// starts decoding.
  bool last = false;
};

struct BlockTableEntry {
  int slot = 0;
  int index = 0;  ///< logical block of the sequence
  int block = -1; ///< physical block, -1 to unmap
};

/// What one slot produced in one step.
struct SlotToken {
  int slot = 0;
  int32_t token = 0;
  FinishReason reason = FinishReason::Running;
  /// With SlotInit::topLogprobs >= 0: the token's log-probability, and the
  /// most likely tokens' (id, log-probability), most likely first.
  std::optional<float> logprob;
  std::vector<std::pair<int32_t, float>> topLogprobs;
};

/// A queued step, to wait for and collect.
struct StepTicket {
  uint64_t index = 0;       ///< steps queued before this one
  bool sampled = false;     ///< whether it ran a slot update
  uint64_t updateIndex = 0; ///< which slot update (its ring row is this % rows)
};

class DeviceModel {
public:
  static StatusOr<std::unique_ptr<DeviceModel>>
  load(const std::string &engineDirectory, const DeviceOptions &options = {});
  ~DeviceModel();

  /// The arch of the loaded code ("sm_90a", or the PTX's when the engine has
  /// no cubin for the device): launch variants are picked by it.
  const std::string &codeArch() const { return codeArch_; }
  const Manifest &manifest() const { return engine_.manifest; }
  const cuda::DeviceProperties &device() const { return properties_; }
  int64_t maxSlots() const { return manifest().options.maxSlots; }
  int64_t numKvBlocks() const { return numKvBlocks_; }
  int64_t blockSize() const { return manifest().kvCache.blockSize; }
  int64_t maxPrefillRows() const { return prefillMaxRows_; }
  uint64_t weightBytes() const { return weights_.size(); }
  uint64_t kvCacheBytes() const { return keyPool_.size() + valuePool_.size(); }

  /// Makes the engine's CUDA context current on the calling thread; a thread
  /// other than the loader's calls it before anything else.
  Status bindToThisThread() const { return context_->makeCurrent(); }

  // Work queued on the engine's stream; every call returns at once.

  /// Writes slot `slot`'s state for a new request; the slot decodes nothing
  /// until a prefill's last chunk for it sets its position.
  Status admit(int slot, const SlotInit &init);
  /// Marks `slot` idle (kernels skip it).
  Status release(int slot);
  /// Applies block-table changes before the next queued work.
  Status updateBlockTables(const std::vector<BlockTableEntry> &entries);
  /// Runs the prompt chunks through the model (writing their KV), then
  /// samples the first token of every sequence whose last chunk is here.
  StatusOr<StepTicket> enqueuePrefill(const std::vector<PrefillChunk> &chunks);
  /// One decode step over slots 0 .. rows-1 (idle slots are skipped).
  StatusOr<StepTicket> enqueueDecode(int64_t rows);

  /// Blocks until `ticket` has run, then returns the tokens it produced
  /// (empty when it sampled nothing) and clears their ring entries.
  StatusOr<std::vector<SlotToken>> collect(const StepTicket &ticket);
  /// Milliseconds of GPU time of `ticket` (between events recorded around
  /// its work); valid after collect().
  StatusOr<float> gpuMilliseconds(const StepTicket &ticket) const;
  /// Milliseconds the GPU sat between the end of the step queued before
  /// `ticket` and the start of `ticket`'s work; valid after collect().
  /// Fails for the first step.
  StatusOr<float> gapBeforeMilliseconds(const StepTicket &ticket) const;
  /// Every launch `ticket` ran, in queue order, with its GPU time; valid
  /// after collect() and only with DeviceOptions::profileLaunches.
  StatusOr<std::vector<LaunchTiming>>
  launchTimings(const StepTicket &ticket) const;
  /// Whether DeviceOptions::profileLaunches was set.
  bool profilesLaunches() const { return profiler_.has_value(); }

  /// The fp32 logits [max_slots, vocab] a phase ("prefill" or "decode") wrote
  /// last; waits for the stream. For tests and numerics tools.
  StatusOr<std::vector<float>> readLogits(const std::string &phase);
  Status synchronize() const { return stream_->synchronize(); }
  /// Host-to-device copies queued so far (the step-copy audit).
  uint64_t hostToDeviceCopies() const { return hostToDeviceCopies_; }
  /// Device words set by memset so far (block tables, released slots).
  uint64_t wordWrites() const { return wordWrites_; }

private:
  struct StepSlot; // per in-flight step: staging memory and events

  explicit DeviceModel(EngineFiles engine);
  Status initialize(const DeviceOptions &options);
  Status loadModules();
  Status allocateBuffers(const DeviceOptions &options);
  BindingTargets targetsFor(const Phase &phase, CUdeviceptr arena) const;
  /// The staging area of the next step; fails when that step's slot is
  /// still held by an uncollected step.
  StatusOr<StepSlot *> nextStep();
  /// Copies `bytes` of `host` into the next step's staging and queues the
  /// copy to `target`.
  Status copyStaged(const void *host, std::size_t bytes, CUdeviceptr target);
  /// Fails unless 0 <= slot < maxSlots().
  Status checkSlot(int slot) const;
  /// Queues setting the 32-bit word at `target` to `value`.
  Status setWord(CUdeviceptr target, int32_t value);
  StatusOr<StepTicket> beginStep();
  Status endStep(StepTicket &ticket);
  StatusOr<BoundPhase> bindSample(CUdeviceptr logits, CUdeviceptr mask,
                                  int64_t rows) const;
  /// A decode step's two phases, bound for `rows` rows.
  struct DecodeLaunches {
    BoundPhase forward, sample;
  };
  StatusOr<DecodeLaunches> bindDecode(int64_t rows) const;
  /// Queues `bound` (`phase` at `rows` rows) for step `ticket`: straight on
  /// the stream, or launch by launch between events when profiling.
  Status enqueuePhase(const StepTicket &ticket, const Phase &phase,
                      const BoundPhase &bound, int64_t rows);
  /// The decode graph for `rows` rows, captured on first use.
  StatusOr<const cuda::GraphExec *> decodeGraph(int64_t rows);
  /// The profiled path of enqueueDecode: no graph, the bindings cached.
  Status enqueueDecodeLaunches(const StepTicket &ticket, int64_t rows);

  EngineFiles engine_;
  std::unique_ptr<cuda::CudaDriver> driver_;
  std::optional<cuda::PrimaryContext> context_;
  cuda::DeviceProperties properties_;
  std::optional<cuda::Stream> stream_;
  std::vector<cuda::Module> modules_;
  std::map<std::string, cuda::Function> functions_;
  /// The arch of the loaded code ("sm_90a", or the PTX's): launch variants
  /// are picked by it.
  std::string codeArch_;

  const Phase *prefill_ = nullptr, *decode_ = nullptr, *sample_ = nullptr;
  int64_t prefillMaxRows_ = 0;
  int64_t numKvBlocks_ = 0;
  int ringRows_ = 0;

  cuda::DeviceBuffer weights_, keyPool_, valuePool_;
  std::map<std::string, cuda::DeviceBuffer> arenas_;
  std::map<std::string, cuda::DeviceBuffer> constants_;
  cuda::DeviceBuffer slotArrays_, blockTables_, prefillInputs_, stepCounter_;
  std::map<std::string, CUdeviceptr> slotPointers_;
  std::map<std::string, CUdeviceptr> prefillPointers_;
  cuda::PinnedBuffer tokenRing_;
  cuda::PinnedBuffer logprobRing_; ///< beside tokenRing_, entry for entry

  std::vector<std::unique_ptr<StepSlot>> steps_;
  uint64_t stepsQueued_ = 0;
  uint64_t updatesQueued_ = 0;
  uint64_t hostToDeviceCopies_ = 0;
  uint64_t wordWrites_ = 0;
  /// Decode graphs by row count.
  std::map<int64_t, cuda::GraphExec> decodeGraphs_;
  /// Set with DeviceOptions::profileLaunches; decode then runs the bound
  /// phases below (by row count) instead of the graphs.
  std::optional<LaunchProfiler> profiler_;
  std::map<int64_t, DecodeLaunches> decodeLaunches_;
};

} // namespace llmc::gpu
