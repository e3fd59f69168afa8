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
  /// Finds @forward in `module`, checks that every `llm.weight` symbol is in
  /// `weights` with the declared shape, and converts those weights to fp32.
  /// The module must outlive the interpreter.
  static StatusOr<Interpreter> create(mlir::ModuleOp module,
                                      const WeightStore &weights,
                                      unsigned numThreads = 0);

  /// An empty cache shaped like @forward's `!llm.kv_cache` argument.
  ref::KvCache createCache() const;

  /// Runs @forward on `tokens` at `positions`; the cache is updated in place
  /// (the SSA cache values of the IR are a chain, so each write may reuse the
  /// buffer). Returns the first result, the logits, as [tokens, vocab].
  StatusOr<std::vector<float>> forward(const std::vector<int32_t> &tokens,
                                       const std::vector<int32_t> &positions,
                                       ref::KvCache &cache);

  int64_t vocabSize() const { return vocabSize_; }

private:
  Interpreter() = default;

  // Op handles are value types whose accessors are not const.
  mutable mlir::func::FuncOp forward_;
  int64_t vocabSize_ = 0;
  /// fp32 values of every llm.weight, by symbol name.
  std::map<std::string, std::vector<float>> weights_;
  std::unique_ptr<ref::ThreadPool> pool_;
};

} // namespace llmc
