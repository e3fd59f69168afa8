// launch(): one kernel launch on a stream, with the large-shared-memory opt-in
// done for the caller.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/Module.h"
#include "runtime/cuda/Stream.h"

namespace llmc::cuda {

/// A grid or block shape.
struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

/// Dynamic shared memory every kernel may use without opting in.
constexpr unsigned kDefaultDynamicSharedMemoryLimit = 48 * 1024;

/// How a launch may overlap the kernel before it on its stream.
enum class LaunchOverlap {
  /// It starts when the previous kernel has finished.
  None,
  /// Programmatic dependent launch (sm_90+): it may start once every block
  /// of the previous kernel has signalled (griddepcontrol.launch_dependents)
  /// and must wait for that kernel itself (griddepcontrol.wait) before
  /// touching what the kernel writes. Captured into graphs as programmatic
  /// edges.
  Programmatic,
};

/// Launches `function` on `stream`. `args` holds one pointer per kernel
/// parameter, each pointing at the argument's value. When `sharedBytes` exceeds
/// the 48 KiB default the function is first allowed that much (one
/// cuFuncSetAttribute; not a stream operation, so it is safe during capture).
Status launch(const Function &function, Dim3 grid, Dim3 block,
              unsigned sharedBytes, const Stream &stream, void **args,
              LaunchOverlap overlap = LaunchOverlap::None);

} // namespace llmc::cuda
