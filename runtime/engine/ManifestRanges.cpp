// checkManifestRanges: the ranges of a manifest's numbers and the agreement
// of the facts it states twice, beyond the structural checks of
// validateManifest (Manifest.cpp). An engine is read from disk, so every
// number in it is checked against what the compiler could have written
// before the runtime sizes an allocation or a launch from it.
#include "runtime/engine/Manifest.h"

#include "runtime/engine/LaunchDims.h"

#include <algorithm>
#include <cmath>

namespace llmc {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

Status checkRange(const std::string &field, int64_t value, int64_t minimum,
                  int64_t maximum) {
  if (value < minimum || value > maximum)
    return Status::error(field + " " + str(value) + " is outside " +
                         str(minimum) + ".." + str(maximum));
  return Status::ok();
}

Status checkOptionRanges(const Manifest &m) {
  using L = ManifestLimits;
  const CompileOptions &o = m.options;
  LLMC_RETURN_IF_ERROR(
      checkRange("options.max_slots", o.maxSlots, 1, L::kMaxSlots));
  LLMC_RETURN_IF_ERROR(checkRange("options.max_prefill_tokens",
                                  o.maxPrefillTokens, 1, L::kMaxPrefillTokens));
  LLMC_RETURN_IF_ERROR(checkRange("options.kv_block_size", o.kvBlockSize, 1,
                                  L::kMaxKvBlockSize));
  const KvCacheSpec &kv = m.kvCache;
  const int64_t blocks = (o.maxSeqLen + kv.blockSize - 1) / kv.blockSize;
  if (kv.maxBlocksPerSeq != blocks)
    return Status::error("kv_cache.max_blocks_per_seq " +
                         str(kv.maxBlocksPerSeq) + " is not the " +
                         str(blocks) + " blocks that max_seq_len " +
                         str(o.maxSeqLen) + " needs");
  return Status::ok();
}

/// Each axis within CUDA's limits at the largest sizes a run may have.
Status checkGrid(const std::array<std::string, 3> &grid,
                 const LaunchSizes &largest, const std::string &where) {
  // CUDA's grid limits: x < 2^31, y and z at most 65535.
  static const int64_t kLimits[] = {(int64_t(1) << 31) - 1, 65535, 65535};
  static const char *kAxes[] = {"x", "y", "z"};
  for (int axis = 0; axis < 3; ++axis) {
    StatusOr<LaunchDim> dim = parseLaunchDim(grid[axis]);
    if (!dim.isOk())
      return dim.status().withContext(where + ": grid " + kAxes[axis]);
    std::optional<int64_t> value = dim->evaluateChecked(largest);
    if (!value)
      return Status::error(where + ": grid " + kAxes[axis] + " '" + grid[axis] +
                           "' overflows at the largest run");
    LLMC_RETURN_IF_ERROR(checkRange(where + ": grid " + kAxes[axis] +
                                        (dim->isConstant() ? "" : " at most"),
                                    *value, 1, kLimits[axis]));
  }
  return Status::ok();
}

Status checkPhaseRanges(const Manifest &m, const Phase &phase) {
  const std::string where = "phase '" + phase.name + "'";
  const int64_t rows = std::max(m.options.maxSlots, m.options.maxPrefillTokens);
  LLMC_RETURN_IF_ERROR(checkRange(where + " max_rows", phase.maxRows, 1, rows));
  if (phase.arenaBytes > ManifestLimits::kMaxArenaBytes)
    return Status::error(where + " arena_bytes " +
                         std::to_string(phase.arenaBytes) +
                         " exceeds the limit of " +
                         std::to_string(ManifestLimits::kMaxArenaBytes));
  const LaunchSizes largest{phase.maxRows, m.options.maxSlots,
                            m.options.maxPrefillTokens};
  // A launch and each of its variants state a grid and shared memory.
  auto checkShape = [&](const std::array<std::string, 3> &grid,
                        int64_t sharedBytes, const std::string &at) {
    LLMC_RETURN_IF_ERROR(checkGrid(grid, largest, at));
    return checkRange(at + " dynamic_shared_bytes", sharedBytes, 0,
                      ManifestLimits::kMaxSharedBytes);
  };
  for (size_t i = 0; i < phase.launches.size(); ++i) {
    const KernelLaunch &launch = phase.launches[i];
    const std::string at = where + " launch " + std::to_string(i);
    LLMC_RETURN_IF_ERROR(
        checkShape(launch.grid, launch.dynamicSharedBytes, at));
    for (size_t v = 0; v < launch.variants.size(); ++v)
      LLMC_RETURN_IF_ERROR(checkShape(launch.variants[v].grid,
                                      launch.variants[v].dynamicSharedBytes,
                                      at + " variant " + std::to_string(v)));
  }
  return Status::ok();
}

Status checkConstants(const Manifest &m) {
  for (const auto &[name, values] : m.constants)
    for (float value : values)
      if (!std::isfinite(value))
        return Status::error("constant '" + name +
                             "' holds a non-finite "
                             "value");
  auto rope = m.constants.find("rope_inv_freq");
  if (rope != m.constants.end()) {
    if (int64_t(rope->second.size()) != m.config.headDim / 2)
      return Status::error("constant 'rope_inv_freq' has " +
                           std::to_string(rope->second.size()) +
                           " values; head_dim " + str(m.config.headDim) +
                           " needs " + str(m.config.headDim / 2));
    for (float value : rope->second)
      if (!(value > 0.0f && value <= 1.0f))
        return Status::error("constant 'rope_inv_freq' holds " +
                             std::to_string(value) +
                             "; inverse frequencies lie in (0, 1]");
  }
  return Status::ok();
}

} // namespace

Status checkEngineRelativePath(const std::string &path,
                               const std::string &field) {
  if (path.empty())
    return Status::error(field + " is empty");
  if (path.front() == '/')
    return Status::error(field + " '" + path +
                         "' is absolute; engine paths are relative");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part == "..")
      return Status::error(field + " '" + path + "' leaves the engine");
    if (part.empty() || part == ".")
      return Status::error(field + " '" + path +
                           "' has an empty or '.' component");
    start = end + 1;
  }
  return Status::ok();
}

Status checkManifestRanges(const Manifest &m) {
  for (const auto &entry : m.fileHashes)
    LLMC_RETURN_IF_ERROR(
        checkEngineRelativePath(entry.first, "file_hashes key"));
  LLMC_RETURN_IF_ERROR(checkOptionRanges(m));
  if (m.weights.totalBytes > ManifestLimits::kMaxWeightBytes)
    return Status::error("weights.total_bytes " +
                         std::to_string(m.weights.totalBytes) +
                         " exceeds the limit of " +
                         std::to_string(ManifestLimits::kMaxWeightBytes));
  for (const Phase &phase : m.phases)
    LLMC_RETURN_IF_ERROR(checkPhaseRanges(m, phase));
  return checkConstants(m);
}

} // namespace llmc
