#include "runtime/gpu/PhaseLaunches.h"

#include "runtime/engine/ArchName.h"

#include <cstdlib>

namespace llmc::gpu {

namespace {

StatusOr<uint64_t> lookup(const std::map<std::string, CUdeviceptr> &table,
                          const std::string &name, const char *what) {
  auto it = table.find(name);
  if (it == table.end())
    return Status::error(std::string("no ") + what + " named '" + name + "'");
  return uint64_t(it->second);
}

StatusOr<int64_t> scalarValue(const std::string &name,
                              const PhaseSizes &sizes) {
  if (name == "rows")
    return sizes.launch.rows;
  if (name == "seqs")
    return sizes.launch.seqs;
  if (name == "max_chunk_rows")
    return sizes.launch.maxChunkRows;
  if (name == "ring_rows")
    return sizes.ringRows;
  return Status::error("unknown scalar '" + name + "'");
}

/// The 8-byte cell of one argument.
StatusOr<uint64_t> resolve(const KernelArg &arg, const BindingTargets &targets,
                           const PhaseSizes &sizes) {
  switch (arg.kind) {
  case ArgKind::Arena:
    if (arg.offset + arg.bytes > targets.arenaBytes)
      return Status::error("arena slice [" + std::to_string(arg.offset) +
                           ", +" + std::to_string(arg.bytes) +
                           ") is outside the arena of " +
                           std::to_string(targets.arenaBytes) + " bytes");
    return uint64_t(targets.arena + arg.offset);
  case ArgKind::Weight: {
    const PackedTensor *tensor = targets.weightLayout->find(arg.name);
    if (!tensor)
      return Status::error("weight '" + arg.name + "' is not in the layout");
    return uint64_t(targets.weights + tensor->offset);
  }
  case ArgKind::KvKeys:
  case ArgKind::KvValues: {
    if (arg.layer < 0 || arg.layer >= targets.numLayers)
      return Status::error("layer " + std::to_string(arg.layer) +
                           " is outside the KV cache's " +
                           std::to_string(targets.numLayers) + " layers");
    CUdeviceptr pool =
        arg.kind == ArgKind::KvKeys ? targets.keyPool : targets.valuePool;
    return uint64_t(pool + uint64_t(arg.layer) * targets.layerStride);
  }
  case ArgKind::Input:
    return lookup(targets.inputs, arg.name, "input");
  case ArgKind::Slot:
    return lookup(targets.slots, arg.name, "slot array");
  case ArgKind::Constant:
    return lookup(targets.constants, arg.name, "constant");
  case ArgKind::Scalar: {
    LLMC_ASSIGN_OR_RETURN(int64_t value, scalarValue(arg.name, sizes));
    // The kernel reads an int32 from the cell's first 4 bytes (little endian).
    return uint64_t(uint32_t(int32_t(value)));
  }
  case ArgKind::Null:
    return uint64_t(0);
  }
  return Status::error("unknown argument kind");
}

/// Programmatic launch is opt-in (LLMC_PROGRAMMATIC_LAUNCH=1): on an H200
/// it measured no faster at batch 1 (Llama-2-7B TPOT 4.68 against 4.65 ms)
/// and slower for prefill (TTFT 15.1 against 13.2 ms) and batch-64 decode
/// (4,021 against 4,722 tok/s); bench/RESULTS.md has the runs.
bool programmaticLaunchEnabled() {
  static const bool enabled = [] {
    const char *value = std::getenv("LLMC_PROGRAMMATIC_LAUNCH");
    return value && std::string_view(value) == "1";
  }();
  return enabled;
}

StatusOr<unsigned> evaluateDim(const std::string &text,
                               const PhaseSizes &sizes) {
  LLMC_ASSIGN_OR_RETURN(LaunchDim dim, parseLaunchDim(text));
  return unsigned(dim.evaluate(sizes.launch));
}

} // namespace

Status BoundLaunch::enqueue(const cuda::Stream &stream) const {
  return cuda::launch(*function, grid, block, sharedBytes, stream,
                      const_cast<void **>(pointers.data()), overlap);
}

Status BoundPhase::enqueue(const cuda::Stream &stream) const {
  for (const BoundLaunch &launch : launches_)
    if (!launch.empty())
      LLMC_RETURN_IF_ERROR(launch.enqueue(stream));
  return Status::ok();
}

StatusOr<BoundPhase>
bindPhase(const Phase &phase,
          const std::map<std::string, cuda::Function> &functions,
          const std::string &codeArch, const BindingTargets &targets,
          const PhaseSizes &sizes) {
  BoundPhase bound;
  bound.launches_.reserve(phase.launches.size());
  // griddepcontrol exists from sm_90 on.
  const bool overlaps = phase.programmaticLaunch &&
                        programmaticLaunchEnabled() &&
                        archNumber(codeArch) >= 90;
  const cuda::LaunchOverlap overlap =
      overlaps ? cuda::LaunchOverlap::Programmatic : cuda::LaunchOverlap::None;
  for (size_t i = 0; i < phase.launches.size(); ++i) {
    const KernelLaunch &launch = phase.launches[i];
    // Every variant takes the launch's arguments: only what runs and its
    // shape differ.
    const LaunchShape shape =
        selectVariant(launch, codeArch, sizes.launch.rows);
    const std::string &kernel = *shape.kernel;
    const std::array<std::string, 3> &gridText = *shape.grid;
    const int64_t blockThreads = shape.blockThreads;
    const int64_t sharedBytes = shape.dynamicSharedBytes;
    const std::string where = "phase " + phase.name + ", launch " +
                              std::to_string(i) + " (" + kernel + ")";
    auto function = functions.find(kernel);
    if (function == functions.end())
      return Status::error(where + ": kernel not loaded");
    BoundLaunch out;
    out.function = &function->second;
    out.kernel = kernel;
    unsigned grid[3];
    for (int d = 0; d < 3; ++d) {
      StatusOr<unsigned> value = evaluateDim(gridText[size_t(d)], sizes);
      if (!value.isOk())
        return Status::error(where + ": grid: " + value.status().message());
      grid[d] = *value;
    }
    out.grid = {grid[0], grid[1], grid[2]};
    out.block = {unsigned(blockThreads), 1, 1};
    out.sharedBytes = unsigned(sharedBytes);
    out.overlap = overlap;
    out.cells.reserve(launch.args.size());
    for (size_t a = 0; a < launch.args.size(); ++a) {
      StatusOr<uint64_t> cell = resolve(launch.args[a], targets, sizes);
      if (!cell.isOk())
        return Status::error(where + ", argument " + std::to_string(a) + ": " +
                             cell.status().message());
      out.cells.push_back(*cell);
    }
    bound.launches_.push_back(std::move(out));
  }
  // The cells no longer move: point at them.
  for (BoundLaunch &launch : bound.launches_)
    for (uint64_t &cell : launch.cells)
      launch.pointers.push_back(&cell);
  return bound;
}

} // namespace llmc::gpu
