// CompileDriver: MODEL -> engine directory, the whole of llm-compile as a
// library (the tool only parses flags and prints).
//
// Stages: load the model; build its llm-dialect module (context capped at
// --max-seq-len); run the kernel pipeline (fusion, outline-kernels,
// plan-memory); generate one CUDA unit per phase and the manifest's phase
// entries; compile the units with NVRTC for every arch through the compile
// cache; pack weights.bin; copy the tokenizer; hash every file; write
// manifest.json (EmitKind::Manifest stops short of NVRTC and the weights).
// The engine is assembled in a temporary directory beside
// the output and renamed into place last, so a failure at any stage leaves
// the output as it was and no temporary directory behind.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"
#include "runtime/support/ProgressLine.h"

#include <functional>
#include <ostream>
#include <string>

namespace llmc {

/// What the driver writes.
enum class EmitKind {
  Engine, ///< the engine directory
  Llm,    ///< the llm-dialect module after the fusion pipeline (to `emitted`)
  Kernel, ///< the kernel IR after plan-memory (to `emitted`)
  Cuda,   ///< the generated CUDA units (to `emitted`)
  /// The engine directory without what is slow to make and not needed to
  /// know the engine's shape and costs: manifest.json, kernels/*.cu and the
  /// tokenizer, but no NVRTC compile (no PTX, no cubins, no ptxas report) and
  /// no weights read or packed (the manifest records synthetic weights; the
  /// layout is the same). llm-estimate reads it.
  Manifest,
};

struct DriverOptions {
  std::string model;     ///< llama2.c .bin, HF directory or config.json, .mlir
  std::string output;    ///< the engine directory (EmitKind::Engine, Manifest)
  std::string tokenizer; ///< empty: found beside the model
  /// The engine's shape (EngineShape's defaults unless set), max_seq_len
  /// (0: the model's context), dtype and synthetic_weights.
  CompileOptions engine;
  EmitKind emit = EmitKind::Engine;
  /// Replace `output` even when it is not an llmc engine directory.
  bool force = false;
};

struct CompileReport {
  Manifest manifest;    ///< EmitKind::Engine and Manifest only
  size_t compiled = 0;  ///< NVRTC compiles run
  size_t cacheHits = 0; ///< compiles served by the cache
};

/// Compiles `options.model`. Text output of the --emit kinds goes to
/// `emitted`; warnings (an unusable cache entry that was recompiled, ...) to
/// `warn`.
StatusOr<CompileReport>
compileModel(const DriverOptions &options, std::ostream &emitted,
             ProgressLine &progress,
             const std::function<void(const std::string &)> &warn);

} // namespace llmc
