// SelectionSupport: the limits and small helpers the families' tile
// selections share (NormKernels.cpp, ProjectionKernels.cpp,
// AttentionKernels.cpp, StepKernels.cpp). Internal to the kernel registry.
#pragma once

#include "compiler/kernels/TileShapes.cuh"
#include "compiler/kernels/registry/KernelSelection.h"

#include <cstdint>
#include <string>

namespace llmc::selection {

/// bf16 elements per 128-bit vector: row lengths must be whole vectors.
constexpr int64_t kVectorElements = tiles::kVectorElements;
/// Static shared memory a kernel may declare.
constexpr int64_t kStaticSharedLimit = 48 * 1024;
/// Dynamic shared memory of one block on sm_80 (the smallest of the targeted
/// archs; sm_90 allows 227 KiB).
constexpr int64_t kDynamicSharedLimit = 163 * 1024;
constexpr int64_t kBf16Bytes = 2;
constexpr int64_t kF32Bytes = 4;
/// Decode rows Gemv keeps in registers per pass: engines of at most this many
/// slots decode on Gemv, through latency-bound steps (their attention takes
/// shorter partitions too).
constexpr int64_t kGemvMaxRows = 32;

inline int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t roundUp(int64_t value, int64_t multiple) {
  return ceilDiv(value, multiple) * multiple;
}
inline std::string str(int64_t value) { return std::to_string(value); }

/// Fails unless `width` is a positive multiple of 8 (whole vectors).
Status checkRowWidth(const char *what, int64_t width);

/// Fails unless the heads form whole query groups and head_dim suits the
/// attention kernels' mma.sync tiles.
Status checkAttentionShape(const AttentionShape &shape);

} // namespace llmc::selection
