// DecodeGraphs: a decode step's work, bound once per row count and kept. A
// decode step is the decode phase followed by the sample phase (the sampler
// and the slot update), and reads only device state, so the same bound
// launches serve every step of that row count: normally captured into a CUDA
// graph on first use and replayed with one launch; with launch profiling kept
// as bound phases, queued launch by launch.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/Graph.h"
#include "runtime/cuda/Stream.h"
#include "runtime/gpu/PhaseLaunches.h"

#include <cstdint>
#include <functional>
#include <map>

namespace llmc::gpu {

/// A decode step's two phases, bound for one row count.
struct DecodeLaunches {
  BoundPhase forward, sample;
};

class DecodeGraphs {
public:
  /// Binds the decode step for `rows` rows.
  using Binder = std::function<StatusOr<DecodeLaunches>(int64_t rows)>;

  DecodeGraphs() = default;
  explicit DecodeGraphs(Binder bind) : bind_(std::move(bind)) {}

  /// The graph for `rows` rows; a new one is bound and captured on `stream`
  /// (capture queues nothing that runs).
  StatusOr<const cuda::GraphExec *> graph(int64_t rows,
                                          const cuda::Stream &stream);
  /// The bound phases for `rows` rows, bound on first use (the profiled
  /// path, which runs them without a graph).
  StatusOr<const DecodeLaunches *> launches(int64_t rows);

private:
  Binder bind_;
  std::map<int64_t, cuda::GraphExec> graphs_;
  std::map<int64_t, DecodeLaunches> launches_;
};

} // namespace llmc::gpu
