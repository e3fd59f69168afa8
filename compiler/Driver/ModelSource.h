// ModelSource: what llm-compile's MODEL argument names, loaded: a llama2.c
// checkpoint, a Hugging Face directory or config.json (runtime/formats/
// ModelLoader.h), or an llm-dialect `.mlir` module. A module carries shapes
// but no weight values, so it compiles with synthetic weights; its config is
// read back from its ops.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace llmc {

struct ModelSource {
  ModelConfig config; ///< the model's own (its full context)
  WeightStore weights;
  std::string tokenizerPath; ///< empty when none was found
  /// The parsed module of an llm-dialect file; null for checkpoint formats
  /// (the driver builds their module).
  mlir::OwningOpRef<mlir::ModuleOp> module;
  bool syntheticWeights = false;
};

/// Loads `path`. A `.mlir` file is parsed and verified in `context` (which
/// must have the llm dialect), its weights are synthetic whatever
/// `syntheticWeights` says, and only an explicit `tokenizerPath` gives it a
/// tokenizer.
StatusOr<ModelSource> loadModelSource(const std::string &path,
                                      const std::string &tokenizerPath,
                                      bool syntheticWeights,
                                      mlir::MLIRContext &context);

/// The config of an llm-dialect model module as the module builder writes
/// it (@forward with llm.embed, llm.rope, llm.rms_norm and a kv cache
/// argument): dims from the weights and the cache type, RoPE and eps from
/// the ops. bos/eos ids, which the IR does not carry, are 1 and 2.
StatusOr<ModelConfig> configFromModule(mlir::ModuleOp module,
                                       const std::string &source);

} // namespace llmc
