// Manifest: everything an engine directory says about itself (manifest.json),
// as the compiler writes it and the runtime reads it. The format is described
// in runtime/engine/README.md; this header is its C++ form.
//
// An engine runs as launch sequences ("phases"): prefill (a batch of prompt
// chunks), decode (one token per slot) and sample (sampling and the slot
// update). Each launch names a kernel of a compiled module and lists the
// kernel's arguments as bindings the runtime resolves to device pointers or
// run-time integers; everything else (shapes, eps, strides, scales) is baked
// into the kernel at compile time.
//
// This file is MLIR-free: the compiler writes it, the runtime reads it.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/EngineShape.h"
#include "runtime/engine/WeightLayout.h"
#include "runtime/model/ModelConfig.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// Bumped whenever a reader of an older version would misread a newer file.
/// 2: launches carry guarded variants (format 1 had a single `few_rows`).
constexpr int kManifestFormatVersion = 2;

/// Every activation offset in a phase's arena is a multiple of this (bytes).
constexpr uint64_t kArenaAlignment = 256;

/// What one kernel argument is bound to. Pointer kinds pass a device address;
/// Scalar passes an int32.
enum class ArgKind {
  Arena,    ///< the phase's activation arena + offset
  Weight,   ///< weights.bin tensor `name` (its offset is in the weight layout)
  KvKeys,   ///< the K pool of `layer` (PagedKvLayout base for the layer)
  KvValues, ///< the V pool of `layer`
  Input,    ///< a runtime-owned buffer (EngineAbi.h's input buffers)
  Slot,     ///< a SlotState array (EngineAbi.h's slot arrays)
  Constant, ///< an engine constant uploaded once (manifest `constants`)
  Scalar,   ///< int32 known per launch (EngineAbi.h's launch scalars)
  Null,     ///< a null pointer (an optional input this phase does not use,
            ///< e.g. decode's token_slots: row s is slot s)
};

struct KernelArg {
  ArgKind kind = ArgKind::Arena;
  /// Weight: tensor name; Input/Slot/Constant/Scalar: which one.
  std::string name;
  /// Arena: byte offset and extent (at the phase's maxRows) inside the arena.
  uint64_t offset = 0;
  uint64_t bytes = 0;
  /// KvKeys/KvValues: the layer.
  int64_t layer = -1;
};

/// Work of one launch as a function of its run-time sizes:
///   value = fixed + perRow * rows + perRowContext * rows * context
/// where rows is the launch's token rows and context the mean number of
/// positions a row attends to (only attention has perRowContext terms).
struct CostTerms {
  double fixed = 0;
  double perRow = 0;
  double perRowContext = 0;
  double at(double rows, double context) const {
    return fixed + perRow * rows + perRowContext * rows * context;
  }
};

struct LaunchCost {
  CostTerms flops; ///< floating-point operations (a multiply-add counts 2)
  CostTerms bytes; ///< bytes the launch must move to or from device memory
};

/// When a launch variant runs: on code compiled for one of `archs` (empty:
/// any arch) and for runs of minRows..maxRows token rows (maxRows 0: no upper
/// bound).
struct VariantGuard {
  std::vector<std::string> archs;
  int64_t minRows = 0;
  int64_t maxRows = 0;

  bool matches(const std::string &arch, int64_t rows) const;
  /// "sm_90a, rows <= 256": for messages and generated comments.
  std::string describe() const;
};

/// A kernel a launch runs instead of its own when the guard holds: the same
/// computation, arguments and results with another template or tile. The
/// variants of a launch reduce in the same order wherever the results must be
/// bit-identical (GemmMma's tiles); the choice is then only a matter of speed.
struct LaunchVariant {
  std::string kernel;              ///< its function name, in the same module
  std::array<std::string, 3> grid; ///< launch-dimension expressions, as
                                   ///< KernelLaunch::grid
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
  VariantGuard guard;
};

/// One kernel launch of a phase.
struct KernelLaunch {
  std::string kernel; ///< the kernel's function name in its module
  /// The llm ops this launch executes, e.g. {"llm.qkv_rope_cache"}; a
  /// readable record of the fusion.
  std::vector<std::string> fused;
  /// Grid x, y, z as launch-dimension expressions (LaunchDims.h), e.g.
  /// "ceildiv(rows, 64)", "8", "seqs".
  std::array<std::string, 3> grid;
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
  std::vector<KernelArg> args;
  LaunchCost cost;
  /// Guarded alternatives, tried in order; the launch's own kernel above
  /// runs when none holds. Bindings and cost are the launch's for all.
  std::vector<LaunchVariant> variants;
};

/// What one run of a launch executes: a kernel and its launch shape.
struct LaunchShape {
  const std::string *kernel = nullptr;
  const std::array<std::string, 3> *grid = nullptr;
  int64_t blockThreads = 0;
  int64_t dynamicSharedBytes = 0;
};

/// The first variant of `launch` whose guard holds for code of `arch` and a
/// run of `rows` token rows, else the launch's own kernel.
LaunchShape selectVariant(const KernelLaunch &launch, const std::string &arch,
                          int64_t rows);

/// ptxas's report for one kernel on one arch.
struct KernelResources {
  int64_t registers = 0;
  int64_t spillStoreBytes = 0;
  int64_t spillLoadBytes = 0;
  int64_t stackBytes = 0;
  int64_t staticSharedBytes = 0;
};

/// One kernel function of a module.
struct KernelInfo {
  std::string name;
  std::string instantiation; ///< the kernel-library type it instantiates
  std::map<std::string, KernelResources> resources; ///< by arch
};

/// One NVRTC translation unit (a phase's kernels).
struct KernelModule {
  std::string name;   ///< "prefill", "decode", "sample"
  std::string source; ///< engine-relative path of the .cu file
  std::string ptx;    ///< engine-relative path of the PTX (lowest arch)
  std::string ptxArch;
  std::map<std::string, std::string> cubins; ///< arch -> engine-relative path
  std::vector<KernelInfo> kernels;
};

/// One launch sequence the runtime runs as a unit.
struct Phase {
  std::string name;   ///< "prefill", "decode", "sample"
  std::string module; ///< the KernelModule holding its kernels
  /// The most token rows one run of the phase takes (prefill: the per-step
  /// token budget; decode and sample: max_slots). The arena is sized for it.
  int64_t maxRows = 0;
  uint64_t arenaBytes = 0;
  std::vector<KernelLaunch> launches;
  /// Named results in the arena, e.g. "logits" (fp32 [max_slots, vocab]).
  std::map<std::string, KernelArg> outputs;
  /// Whether each kernel of the phase signals its dependents at entry and
  /// waits for the previous kernel before touching memory another kernel
  /// writes (griddepcontrol, compiler/kernels/Common.cuh). The runtime then
  /// lets consecutive launches overlap on sm_90+ (programmatic dependent
  /// launch). Absent in engines compiled before it existed: false.
  bool programmaticLaunch = false;
};

/// The paged KV cache the kernels address (compiler/kernels/README.md).
struct KvCacheSpec {
  int64_t numLayers = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t blockSize = 0;
  int64_t maxBlocksPerSeq = 0;
  /// Bytes of one block of one layer in one pool (K or V).
  uint64_t blockBytes() const {
    return static_cast<uint64_t>(numKvHeads * blockSize * headDim) * 2;
  }
};

/// What an engine was compiled with: its shape and the rest of llm-compile's
/// options.
struct CompileOptions : EngineShape {
  int64_t maxSeqLen = 0; ///< 0 when compiling: the model's context
  std::string dtype = "bf16";
  bool syntheticWeights = false;
};

struct TokenizerRef {
  std::string file; ///< engine-relative path; empty when the engine has none
  std::string kind; ///< "llama2c" or "hf"
};

struct Manifest {
  int formatVersion = kManifestFormatVersion;
  std::string compiler; ///< producer, e.g. "llm-compile 0.1"
  ModelConfig config;
  CompileOptions options;
  KvCacheSpec kvCache;
  std::vector<KernelModule> modules;
  std::vector<Phase> phases;
  WeightLayout weights;
  /// Engine-relative weights file; empty for synthetic weights (the layout's
  /// sources carry their specs).
  std::string weightsFile;
  TokenizerRef tokenizer;
  /// fp32 tables uploaded once, e.g. "rope_inv_freq" [head_dim / 2].
  std::map<std::string, std::vector<float>> constants;
  /// sha256 (hex) of every file of the engine, by engine-relative path.
  std::map<std::string, std::string> fileHashes;

  const Phase *findPhase(const std::string &name) const;
  const KernelModule *findModule(const std::string &name) const;
};

/// "arena", "weight", "kv_keys", "kv_values", "input", "slot", "constant",
/// "scalar": the spelling in manifest.json.
const char *argKindName(ArgKind kind);
StatusOr<ArgKind> argKindFromName(const std::string &name);
/// The names an Input, Slot or Scalar binding may have (EngineAbi.h); empty
/// for the other kinds, whose names are free (weights, constants).
const std::vector<std::string> &bindingNames(ArgKind kind);

/// "SOURCE: format_version V is not the version this runtime reads (2);
/// recompile the engine with this llm-compile".
std::string formatVersionMessage(int version, const std::string &source);

/// Checks everything a reader relies on: the format version, launches naming
/// existing modules and kernels, binding names, arena bindings inside the
/// arena and aligned, weights present in the layout, constants present,
/// layers in range, grids that parse (LaunchDims.h), block sizes 1..1024,
/// variants' kernels in the launch's module with guards of compiled archs,
/// engine-relative file paths. Messages name `source` and the field. The
/// compiler runs it before writing a manifest, the runtime after reading one.
Status validateManifest(const Manifest &manifest, const std::string &source);

/// The largest values a manifest's sizes may take: far above what llm-compile
/// writes for any real model, low enough that every sum and product the
/// runtime forms from them fits in 64 bits.
struct ManifestLimits {
  static constexpr int64_t kMaxSlots = 4096;
  static constexpr int64_t kMaxPrefillTokens = int64_t(1) << 20;
  static constexpr int64_t kMaxKvBlockSize = 1024;
  static constexpr uint64_t kMaxArenaBytes = uint64_t(1) << 40;
  static constexpr uint64_t kMaxWeightBytes = uint64_t(1) << 44;
  static constexpr int64_t kMaxSharedBytes = 256 << 10;
};

/// The ranges and cross-field consistency validateManifest adds to its
/// structural checks (ManifestRanges.cpp): file_hashes keys are engine-relative
/// paths, options and sizes within ManifestLimits, kv_cache.max_blocks_per_seq
/// = ceil(max_seq_len / block_size), phases' max_rows within the options,
/// constant grid sizes within CUDA's limits, dynamic shared memory within
/// the hardware's, constants finite, rope_inv_freq of head_dim / 2 values in
/// (0, 1]. Messages name the field.
Status checkManifestRanges(const Manifest &manifest);

/// An engine-relative path: not empty, not absolute, no "..", "." or empty
/// component. `field` names it in the message.
Status checkEngineRelativePath(const std::string &path,
                               const std::string &field);

nlohmann::json toJson(const Manifest &manifest);
/// Parses and validates (format version, every launch's module, kernel and
/// arguments, arena bindings inside the arena, weights named in the layout);
/// messages name `source` and the field.
StatusOr<Manifest> manifestFromJson(const nlohmann::json &json,
                                    const std::string &source);

} // namespace llmc
