// KernelSelection: which kernel-library template (compiler/kernels) runs each
// fused llm op, with which template parameters, tile, launch shape and cost,
// or why none can take the shape. Part of the kernel registry: each family's
// selection lives beside its templates' definitions (ProjectionKernels.cpp,
// AttentionKernels.cpp, NormKernels.cpp, StepKernels.cpp).
//
// llm-outline-kernels asks these functions and only rewrites; keeping the
// choices here, free of MLIR, lets them be tested on their own (tile rules,
// shared-memory limits, refusals) across model shapes. Every refusal is a
// Status whose message says which dimension is unsupported and what is.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/EngineShape.h"
#include "runtime/engine/Manifest.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmc {

/// Engine-wide sizes that shape the kernels: the engine's shape.
using KernelOptions = EngineShape;

/// Checks the options themselves: positive sizes, and a KV block size that
/// is a power of two in 8..128.
Status checkKernelOptions(const KernelOptions &options);

/// Named integers in a fixed order (a template's parameters in the order the
/// .cuh declares them, or a launch's baked constants).
using NamedIntegers = std::vector<std::pair<std::string, int64_t>>;

/// Another instantiation of a launch's computation, run instead of the
/// launch's own kernel when its guard holds (an arch, a range of token rows).
/// It takes the same arguments and epilogue and does the same work; only the
/// template, its parameters and the launch shape differ.
struct KernelVariant {
  /// Appended to the launch's kernel name to name this variant's kernel.
  std::string suffix;
  std::string templateName;
  NamedIntegers params; ///< in template order
  std::array<std::string, 3> grid = {"1", "1", "1"};
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
  VariantGuard guard;
};

/// One instantiation of a kernel-library template and how to launch it.
struct KernelChoice {
  std::string templateName; ///< e.g. "GemmMma"
  NamedIntegers params;     ///< template parameters, in template order
  std::string epilogue;     ///< Gemv/GemmMma only, e.g. "SwiGlu"
  NamedIntegers epilogueParams;
  /// Integers the wrapper bakes in (strides, max_blocks_per_seq, ...).
  NamedIntegers constants;
  /// Launch-dimension expressions (runtime/engine/LaunchDims.h).
  std::array<std::string, 3> grid = {"1", "1", "1"};
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
  LaunchCost cost;
  /// Guarded alternatives, tried in order before the kernel above, which
  /// runs whenever none holds (e.g. a few-rows tile for short prefill
  /// steps).
  std::vector<KernelVariant> variants;

  /// The parameter `name`; asserts that it exists.
  int64_t param(const std::string &name) const;
};

/// How many token rows a projection launch covers.
enum class ProjectionRows {
  /// `rows` prompt tokens, up to max-prefill-tokens: the tensor-core GEMM.
  PrefillTokens,
  /// `rows` slots, up to max-slots: the weight-streaming GEMV (a GEMM with
  /// 64-row tiles beyond 32 slots).
  DecodeSlots,
  /// Exactly max-slots rows whatever the step (prefill's logits, gathered
  /// per slot): chosen as DecodeSlots, with a constant grid and row count.
  AllSlots,
};

/// What a projection's epilogue does with its fp32 accumulators.
enum class EpilogueKind {
  StoreBf16,   ///< llm.linear
  StoreF32,    ///< the logits
  ResidualAdd, ///< llm.linear_add
  SwiGlu,      ///< llm.gate_up_swiglu (N = 2 * ffn interleaved rows)
  RopeKvWrite, ///< llm.qkv_rope_cache
};

/// The attention geometry RoPE and the paged cache need.
struct AttentionShape {
  int64_t heads = 0;   ///< query heads
  int64_t kvHeads = 0; ///< key/value heads
  int64_t headDim = 0;
  int64_t maxSeqLen = 0; ///< positions of the cache
};

/// A projection `out = epilogue(x W^T)`, W [n, k].
struct ProjectionShape {
  int64_t n = 0;
  int64_t k = 0;
  EpilogueKind epilogue = EpilogueKind::StoreBf16;
  /// RopeKvWrite only.
  AttentionShape attention;
  bool halfSplitRope = false; ///< RopeKvWrite only: pairs (i, i + d/2)
  /// RopeKvWrite only: q and k heads RMS-normalized before RoPE (Qwen3),
  /// which needs whole heads in a tile.
  bool headNorm = false;
};

/// Embed<Vocab, Dim, 256>: one block per token row.
StatusOr<KernelChoice> selectEmbed(int64_t vocab, int64_t dim);

/// RmsNorm<Dim, Threads> over `rows`.
StatusOr<KernelChoice> selectRmsNorm(int64_t dim);

/// AddRmsNorm<Dim, Threads> over `rows` (the residual updated in place).
StatusOr<KernelChoice> selectAddRmsNorm(int64_t dim);

/// RmsNormGather<Dim, Threads>: max-slots rows gathered by logit_rows.
StatusOr<KernelChoice> selectRmsNormGather(int64_t dim,
                                           const KernelOptions &options);

/// Gemv or GemmMma with its epilogue, tile and grid for `rows`.
StatusOr<KernelChoice> selectProjection(const ProjectionShape &shape,
                                        ProjectionRows rows,
                                        const KernelOptions &options);

/// PagedAttentionPrefill<H, Hkv, hd, bs> over a batch of prompt chunks.
StatusOr<KernelChoice> selectPrefillAttention(const AttentionShape &shape,
                                              const KernelOptions &options);

/// The split-KV decode attention: the partition kernel then the reduction.
struct DecodeAttentionChoice {
  KernelChoice partition; ///< PagedAttentionDecodePartition<H, Hkv, hd, bs, P>
  KernelChoice reduce;    ///< PagedAttentionDecodeReduce<H, hd, P>
  int64_t partitionSize = 0;
  int64_t maxPartitions = 0; ///< ceil(max_seq_len / P)
};
StatusOr<DecodeAttentionChoice>
selectDecodeAttention(const AttentionShape &shape,
                      const KernelOptions &options);

/// Sampling<Vocab, 256>: one block per slot.
StatusOr<KernelChoice> selectSampling(int64_t vocab,
                                      const KernelOptions &options);

/// SlotUpdate<128>: one block for every slot.
StatusOr<KernelChoice> selectSlotUpdate(const KernelOptions &options);

/// Logprobs<Vocab, 256>: one block per slot, the sampler's shape.
StatusOr<KernelChoice> selectLogprobs(int64_t vocab,
                                      const KernelOptions &options);

} // namespace llmc
