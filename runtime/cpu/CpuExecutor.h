// CpuExecutor: the StepExecutor of the CPU device, so the Engine (and the
// server over it) runs on a machine without a GPU. It obeys the StepPlan
// contract of runtime/serving/StepPlan.h the way the GPU's slot state does:
// chunked prefill, one decode row per running slot, stop detection in the
// order stop token, max tokens, context end, and sampling through
// ref::sample with the new token's position as the counter, so a greedy
// request yields exactly what `llm-run --device cpu` (CpuGenerator) yields.
//
// KV storage: the paged pool the scheduler's block table describes
// ([numBlocks][layers][blockSize][kvDim] for keys and for values) is the
// truth, so blocks the scheduler shares between requests (a cached prefix)
// are reused as on the GPU. CpuModel's attention reads a contiguous cache, so
// each slot also keeps a working ref::KvCache: positions are copied in from
// the pool when a slot starts past position 0 (a cached prefix or a
// recomputation), and every position a step computes is written back.
//
// Steps run when they are launched: every decode row and prompt chunk of
// the step in one CpuModel::forwardBatch (the weights are read once per
// step, whatever the batch); collect() hands back the finished step.
#pragma once

#include "runtime/api/Engine.h"
#include "runtime/api/StepExecutor.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/engine/EngineAbi.h"
#include "runtime/engine/EngineShape.h"

#include <deque>
#include <memory>

namespace llmc {

struct CpuExecutorParams {
  int32_t maxSlots = 32; ///< requests served at once
  /// Positions per KV block: a compiled engine's default.
  int32_t blockSize = int32_t(EngineShape().kvBlockSize);
  int32_t numBlocks = 0;     ///< 0: two full contexts per slot
  int32_t maxStepTokens = 0; ///< 0: maxSlots + 128

  /// maxSlots, blockSize >= 1; numBlocks, maxStepTokens >= 0.
  Status validate() const;
};

class CpuExecutor : public StepExecutor {
public:
  static StatusOr<std::unique_ptr<CpuExecutor>>
  create(CpuModel model, const CpuExecutorParams &params = {});

  ExecutorLimits limits() const override { return limits_; }
  const ModelConfig &config() const override { return model_.config(); }
  std::string deviceName() const override { return "cpu"; }
  bool reportsLogprobs() const override { return true; }
  int maxInFlight() const override { return 1; }
  Status launch(const serving::StepPlan &plan) override;
  StatusOr<std::vector<ScoredToken>>
  scorePrompt(const std::vector<int32_t> &tokens, int32_t top) override;
  StatusOr<StepResult> collect() override;

private:
  /// SlotState of one slot (compiler/kernels/SlotState.cuh), plus its
  /// working cache.
  struct Slot {
    serving::SlotInit init;
    engine::FinishReason finished = engine::FinishReason::Idle;
    int32_t token = -1;    ///< the last sampled token
    int32_t position = -1; ///< where the next decode row writes; -1: none
    int32_t generated = 0;
    int32_t prefilled = 0;    ///< prompt positions written so far
    int32_t materialized = 0; ///< positions [0, n) valid in `cache`
    std::unique_ptr<ref::KvCache> cache;
  };

  CpuExecutor(CpuModel model, const ExecutorLimits &limits);
  /// Runs the plan's decode rows and prompt chunks in one batched forward
  /// and samples the slots that sample.
  Status runStep(const serving::StepPlan &plan,
                 std::vector<serving::SlotEvent> &events);
  Status materialize(Slot &slot, int32_t s, int32_t upTo);
  int32_t blockOf(int32_t s, int32_t position) const;
  /// Samples the token after the slot's last position and applies the stop
  /// rules; appends the slot's event.
  void sampleNext(int32_t s, const float *logits, size_t vocab,
                  std::vector<serving::SlotEvent> &events);
  float *poolRow(std::vector<float> &pool, int32_t block, int64_t layer,
                 int32_t offset);

  CpuModel model_;
  ExecutorLimits limits_;
  int32_t maxBlocksPerSeq_ = 0;
  std::vector<Slot> slots_;
  std::vector<int32_t> table_;       // [maxSlots, maxBlocksPerSeq]
  std::vector<float> keys_, values_; // the paged pool
  std::deque<StepResult> done_;
};

/// A CPU engine over `model`.
StatusOr<std::unique_ptr<Engine>>
createCpuEngine(CpuModel model, const CpuExecutorParams &params = {},
                const SchedulingOptions &scheduling = {});

} // namespace llmc
