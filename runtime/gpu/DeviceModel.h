// DeviceModel: an engine loaded onto one GPU, and the three things a step can
// ask of it: a prefill of prompt chunks, a decode of every slot, and the
// sampling + slot update that follows either. The scheduler decides what each
// step does (runtime/serving/StepPlan.h); this class only turns that into
// queued GPU work on one stream.
//
// It composes the parts that own the device state, each with one job:
//   LoadedKernels  the kernel modules and functions for this device's arch
//   SlotArrays     the per-slot decode state (EngineAbi.h's slot arrays)
//   PagedKvCache   the K/V block pools and the block tables
//   PrefillInputs  a prefill's token, position and sequence inputs
//   TokenRing      the pinned ring the slot update writes new tokens to
//   StepQueue      the in-flight steps: tickets, events, input staging
//   DecodeGraphs   the decode step bound (and captured) per row count
// and itself holds the phases' arenas and constants and binds the phases to
// all of it.
//
// Everything a decode step reads lives on the device: the slot state, the
// block tables, the KV pools, the weights. A decode step is one CUDA graph
// replay (decode launches + sample launches, captured per bucket of active
// rows) and queues no host-to-device copy. New tokens come back through the
// token ring; the host reads a step's row once the step's event completes.
//
// Host-to-device copies happen only for work that is not a decode step:
// admitting a request into a slot and a prefill batch's chunk tables, each
// staged per step (StepQueue.h). Single words that change between decode
// steps (a block-table entry, a released slot's flags) are set on the device
// by a 4-byte memset queued before the step.
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
#include "runtime/cuda/PrimaryContext.h"
#include "runtime/cuda/Stream.h"
#include "runtime/gpu/DecodeGraphs.h"
#include "runtime/gpu/EngineFiles.h"
#include "runtime/gpu/LaunchProfiler.h"
#include "runtime/gpu/LoadedKernels.h"
#include "runtime/gpu/PagedKvCache.h"
#include "runtime/gpu/PhaseLaunches.h"
#include "runtime/gpu/PrefillInputs.h"
#include "runtime/gpu/SlotArrays.h"
#include "runtime/gpu/StepQueue.h"
#include "runtime/gpu/TokenRing.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace llmc::gpu {

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

class DeviceModel {
public:
  static StatusOr<std::unique_ptr<DeviceModel>>
  load(const std::string &engineDirectory, const DeviceOptions &options = {});
  ~DeviceModel();

  /// The arch of the loaded code ("sm_90a", or the PTX's when the engine has
  /// no cubin for the device): launch variants are picked by it.
  const std::string &codeArch() const { return kernels_.codeArch(); }
  const Manifest &manifest() const { return engine_.manifest; }
  const cuda::DeviceProperties &device() const { return properties_; }
  int64_t maxSlots() const { return manifest().options.maxSlots; }
  int64_t numKvBlocks() const { return kvCache_.numBlocks(); }
  int64_t blockSize() const { return manifest().kvCache.blockSize; }
  int64_t maxPrefillRows() const { return prefill_->maxRows; }
  uint64_t weightBytes() const { return weights_.size(); }
  uint64_t kvCacheBytes() const { return kvCache_.poolBytes(); }

  /// Makes the engine's CUDA context current on the calling thread; a thread
  /// other than the loader's calls it before anything else.
  Status bindToThisThread() const { return context_->makeCurrent(); }

  // Work queued on the engine's stream; every call returns at once. The
  // arguments are the scheduler's plan types; fields the device does not
  // need (request ids, prompt lengths) are ignored.

  /// Writes slot `init.slot`'s state for a new request; the slot decodes
  /// nothing until a prefill's last chunk for it sets its position.
  Status admit(const serving::SlotInit &init);
  /// Marks `slot` idle (kernels skip it).
  Status release(int slot);
  /// Applies block-table changes before the next queued work.
  Status
  updateBlockTables(const std::vector<serving::BlockTableChange> &changes);
  /// Runs the prompt chunks through the model (writing their KV), then
  /// samples the first token of every sequence whose last chunk is here.
  StatusOr<StepTicket>
  enqueuePrefill(const std::vector<serving::PrefillChunk> &chunks);
  /// One decode step over slots 0 .. rows-1 (idle slots are skipped).
  StatusOr<StepTicket> enqueueDecode(int64_t rows);

  /// Blocks until `ticket` has run, then returns the tokens it produced
  /// (empty when it sampled nothing) and clears their ring entries.
  StatusOr<std::vector<serving::SlotEvent>> collect(const StepTicket &ticket);
  /// Milliseconds of GPU time of `ticket` (between events recorded around
  /// its work); valid after collect().
  StatusOr<float> gpuMilliseconds(const StepTicket &ticket) const {
    return steps_.gpuMilliseconds(ticket);
  }
  /// Milliseconds the GPU sat between the end of the step queued before
  /// `ticket` and the start of `ticket`'s work; valid after collect().
  /// Fails for the first step.
  StatusOr<float> gapBeforeMilliseconds(const StepTicket &ticket) const {
    return steps_.gapBeforeMilliseconds(ticket);
  }
  /// Every launch `ticket` ran, in queue order, with its GPU time; valid
  /// after collect() and only with DeviceOptions::profileLaunches.
  StatusOr<std::vector<LaunchRecord>>
  launchTimings(const StepTicket &ticket) const;
  /// Whether DeviceOptions::profileLaunches was set.
  bool profilesLaunches() const { return profiler_.has_value(); }

  /// The fp32 logits [max_slots, vocab] a phase ("prefill" or "decode") wrote
  /// last; waits for the stream. For tests and numerics tools.
  StatusOr<std::vector<float>> readLogits(const std::string &phase);
  Status synchronize() const { return stream_->synchronize(); }
  /// Host-to-device copies queued so far (the step-copy audit).
  uint64_t hostToDeviceCopies() const { return steps_.hostToDeviceCopies(); }
  /// Device words set by memset so far (block tables, released slots).
  uint64_t wordWrites() const { return steps_.wordWrites(); }

private:
  explicit DeviceModel(EngineFiles engine);
  Status initialize(const DeviceOptions &options);
  Status allocateBuffers(const DeviceOptions &options);
  BindingTargets targetsFor(const Phase &phase, CUdeviceptr arena) const;
  StatusOr<BoundPhase> bindSample(CUdeviceptr logits, CUdeviceptr mask,
                                  int64_t rows) const;
  /// A decode step's two phases, bound for `rows` rows.
  StatusOr<DecodeLaunches> bindDecode(int64_t rows) const;
  /// Queues `bound` (`phase` at `rows` rows) for step `ticket`: straight on
  /// the stream, or launch by launch between events when profiling.
  Status enqueuePhase(const StepTicket &ticket, const Phase &phase,
                      const BoundPhase &bound, int64_t rows);

  EngineFiles engine_;
  std::unique_ptr<cuda::CudaDriver> driver_;
  std::optional<cuda::PrimaryContext> context_;
  cuda::DeviceProperties properties_;
  std::optional<cuda::Stream> stream_;
  LoadedKernels kernels_;

  const Phase *prefill_ = nullptr, *decode_ = nullptr, *sample_ = nullptr;
  int ringRows_ = 0;

  cuda::DeviceBuffer weights_;
  std::map<std::string, cuda::DeviceBuffer> arenas_;
  std::map<std::string, cuda::DeviceBuffer> constants_;
  SlotArrays slots_;
  PagedKvCache kvCache_;
  PrefillInputs prefillInputs_;
  TokenRing tokenRing_;
  StepQueue steps_;
  DecodeGraphs decodeGraphs_;
  /// Set with DeviceOptions::profileLaunches; decode then runs the bound
  /// phases of decodeGraphs_ launch by launch instead of the graphs.
  std::optional<LaunchProfiler> profiler_;
};

} // namespace llmc::gpu
