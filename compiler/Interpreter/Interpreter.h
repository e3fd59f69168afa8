// Interpreter: executes an llm-dialect model module on the CPU reference ops.
//
// It is the numerical oracle of the compiler: a pass pipeline is correct when
// the interpreter gives the same logits before and after it. It walks @forward
// op by op, keeping every SSA value as an fp32 (or i32) buffer, and calls the
// same reference functions the runtime's CPU device uses. Weights come from a
// WeightStore by symbol name and are converted to fp32 once, at creation.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/WeightStore.h"
#include "runtime/reference/KvCache.h"
#include "runtime/reference/ThreadPool.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

class Interpreter {
public:
  /// Finds the model functions of `module` (@forward, @prefill, @decode; at
  /// least one), checks that each takes (tokens, positions, !llm.kv_cache)
  /// and returns (logits, !llm.kv_cache), that every non-derived `llm.weight`
  /// symbol is in `weights` with the declared shape, and converts those
  /// weights to fp32 and builds the derived ones. The module must outlive the
  /// interpreter.
  static StatusOr<Interpreter> create(mlir::ModuleOp module,
                                      const WeightStore &weights,
                                      unsigned numThreads = 0);

  /// An empty cache shaped like the model functions' `!llm.kv_cache`.
  ref::KvCache createCache() const;

  /// Runs the model function `function` ("forward", "prefill" or "decode") on
  /// `tokens` at `positions`; the cache is updated in place (the SSA cache
  /// values of the IR are a chain, so each write may reuse the buffer).
  /// Returns the first result, the logits, as [tokens, vocab]. A function
  /// with a static token dim (@decode) takes exactly that many tokens.
  StatusOr<std::vector<float>> run(llvm::StringRef function,
                                   const std::vector<int32_t> &tokens,
                                   const std::vector<int32_t> &positions,
                                   ref::KvCache &cache);

  /// run("forward", ...).
  StatusOr<std::vector<float>> forward(const std::vector<int32_t> &tokens,
                                       const std::vector<int32_t> &positions,
                                       ref::KvCache &cache);

  int64_t vocabSize() const { return vocabSize_; }

private:
  Interpreter() = default;

  mlir::ModuleOp module_;
  /// The cache type every model function takes.
  int64_t numLayers_ = 0, numKvHeads_ = 0, headDim_ = 0, maxSeqLen_ = 0;
  int64_t vocabSize_ = 0;
  /// fp32 values of every llm.weight, by symbol name.
  std::map<std::string, std::vector<float>> weights_;
  std::unique_ptr<ref::ThreadPool> pool_;
};

} // namespace llmc
