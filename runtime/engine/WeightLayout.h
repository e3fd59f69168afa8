// WeightLayout: where every tensor of an engine's weights.bin lives, and how it
// was made from the checkpoint's tensors.
//
// The compiler merges some weights for its fused kernels (Q/K/V stacked into
// one projection, gate/up interleaved row by row; see
// compiler/kernels/README.md), so a packed tensor records its sources. Real
// engines store the packed bf16 bytes in weights.bin at the recorded offsets
// (aligned for 128-bit loads and TMA); engines with synthetic weights store
// nothing and the runtime regenerates each source from its SyntheticSpec, which
// is why the sources keep their specs.
//
// This file is MLIR-free: the compiler writes the layout, the runtime reads it.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/WeightStore.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// One checkpoint tensor that contributes rows to a packed tensor.
struct WeightSource {
  std::string name;
  int64_t rows = 0; ///< dim 0 of the source (all sources share the other dims)
  bool isSynthetic = false;
  SyntheticSpec synthetic; ///< valid when isSynthetic
};

/// One tensor of weights.bin.
struct PackedTensor {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::BF16;
  uint64_t offset = 0; ///< bytes from the start of weights.bin
  uint64_t bytes = 0;
  /// One source: a plain copy. Several: rows stacked in order, or interleaved
  /// (row r comes from source r % n, its row r / n) when interleaveRows is set.
  std::vector<WeightSource> sources;
  bool interleaveRows = false;
};

struct WeightLayout {
  /// Every tensor starts at a multiple of this (bytes).
  static constexpr uint64_t kAlignment = 256;

  std::vector<PackedTensor> tensors;
  uint64_t totalBytes = 0;

  /// nullptr when absent.
  const PackedTensor *find(const std::string &name) const;
  /// Offsets aligned, tensors inside totalBytes and disjoint, sizes consistent
  /// with shapes, sources adding up to the shape. Messages name the tensor.
  Status validate() const;
};

nlohmann::json toJson(const WeightLayout &layout);
/// Parses and validates; messages name `source` (the manifest file).
StatusOr<WeightLayout> weightLayoutFromJson(const nlohmann::json &json,
                                            const std::string &source);

} // namespace llmc
