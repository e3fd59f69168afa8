// WeightPacker: turns a checkpoint's tensors into the packed bf16 weights.bin
// an engine's kernels read, following recipes (plain copy, rows stacked, rows
// interleaved) that the fusion passes decide.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/WeightLayout.h"
#include "runtime/model/WeightStore.h"

#include <string>
#include <vector>

namespace llmc {

/// How one packed tensor is made from checkpoint tensors of equal row width.
struct WeightRecipe {
  std::string name;
  std::vector<std::string>
      sources;                 ///< one: a copy; several: see interleaveRows
  bool interleaveRows = false; ///< row r from source r % n, its row r / n
};

/// Assigns every recipe an aligned offset in recipe order and records its
/// sources (with their synthetic specs, so a synthetic engine needs no file).
/// Fails when a source is missing, is not 2-D/1-D, or widths disagree.
StatusOr<WeightLayout>
planWeightLayout(const std::vector<WeightRecipe> &recipes,
                 const WeightStore &weights);

/// Writes weights.bin for `layout` as bf16, one row at a time (a 7B checkpoint
/// never needs more than a row in memory beyond the mapped sources). Padding
/// between tensors is zero. The file is written to `path` directly; callers
/// that need atomicity write into a temporary directory.
Status writePackedWeights(const std::string &path, const WeightLayout &layout,
                          const WeightStore &weights);

} // namespace llmc
