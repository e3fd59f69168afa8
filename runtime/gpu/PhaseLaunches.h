// PhaseLaunches: one phase of an engine bound to device memory, ready to queue.
//
// Binding resolves every KernelArg of every launch to a device address (arena
// offset, weight tensor, KV pool of a layer, a runtime buffer, a constant) or
// to an int32 (rows, seqs, ...), picks the kernel (a launch's variant for the
// loaded code's arch and the run's rows, or its own) and evaluates its grid
// expressions, once per set of run-time sizes. Queuing then costs one
// cuLaunchKernel per launch, and the same bound phase can be captured into a
// CUDA graph.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/Launch.h"
#include "runtime/cuda/Module.h"
#include "runtime/engine/LaunchDims.h"
#include "runtime/engine/Manifest.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::gpu {

/// Where the arguments of a phase live on the device.
struct BindingTargets {
  CUdeviceptr arena = 0;
  uint64_t arenaBytes = 0;
  CUdeviceptr weights = 0;
  const WeightLayout *weightLayout = nullptr;
  /// Pool bases; a layer's K (or V) base is pool + layer * layerStride.
  CUdeviceptr keyPool = 0, valuePool = 0;
  uint64_t layerStride = 0;
  int64_t numLayers = 0;
  std::map<std::string, CUdeviceptr> inputs;    ///< ArgKind::Input
  std::map<std::string, CUdeviceptr> slots;     ///< ArgKind::Slot
  std::map<std::string, CUdeviceptr> constants; ///< ArgKind::Constant
};

/// Run-time sizes of one run of a phase.
struct PhaseSizes {
  LaunchSizes launch;
  int64_t ringRows = 0;
};

/// One launch with its arguments resolved.
struct BoundLaunch {
  const cuda::Function *function = nullptr;
  /// The manifest's name of the kernel it runs: the launch's own, or the
  /// variant's whose guard held.
  std::string_view kernel;
  cuda::Dim3 grid, block;
  unsigned sharedBytes = 0;
  /// One 8-byte cell per argument (a pointer, or an int32 in the low bytes);
  /// `pointers` points into it, as cuLaunchKernel wants.
  std::vector<uint64_t> cells;
  std::vector<void *> pointers;
  /// Programmatic when the phase's kernels support it, the code is for
  /// sm_90+ and LLMC_PROGRAMMATIC_LAUNCH=1 asks for it.
  cuda::LaunchOverlap overlap = cuda::LaunchOverlap::None;
  bool empty() const { return grid.x == 0 || grid.y == 0 || grid.z == 0; }
  /// Queues this launch on `stream`; the caller skips an empty one.
  Status enqueue(const cuda::Stream &stream) const;
};

class BoundPhase {
public:
  BoundPhase() = default;
  // Launch arguments point into the cells: moving keeps them, copying would
  // not.
  BoundPhase(BoundPhase &&) = default;
  BoundPhase &operator=(BoundPhase &&) = default;
  BoundPhase(const BoundPhase &) = delete;
  BoundPhase &operator=(const BoundPhase &) = delete;

  /// Queues every launch on `stream` (launches with an empty grid are skipped).
  Status enqueue(const cuda::Stream &stream) const;
  /// One per launch of the phase, in the manifest's order.
  const std::vector<BoundLaunch> &launches() const { return launches_; }

private:
  friend StatusOr<BoundPhase>
  bindPhase(const Phase &, const std::map<std::string, cuda::Function> &,
            const std::string &, const BindingTargets &, const PhaseSizes &);
  std::vector<BoundLaunch> launches_;
};

/// Binds `phase` for `sizes`. `functions` maps kernel names to loaded
/// functions, compiled for `codeArch`. Each launch runs the kernel
/// selectVariant picks for `codeArch` and the run's rows, with its grid, block
/// and shared memory; launches overlap programmatically when the phase allows
/// it, `codeArch` is sm_90 or later and LLMC_PROGRAMMATIC_LAUNCH=1. `phase`
/// must outlive the result. Fails, naming the launch and argument, when a
/// binding has no target (an unknown input, a layer past the pools, an arena
/// slice outside the arena, a weight missing from the layout).
StatusOr<BoundPhase>
bindPhase(const Phase &phase,
          const std::map<std::string, cuda::Function> &functions,
          const std::string &codeArch, const BindingTargets &targets,
          const PhaseSizes &sizes);

} // namespace llmc::gpu
