// StepExecutor: what the Engine's loop needs of a device. The loop plans a
// step with the Scheduler, hands the plan to launch(), and later reads the
// step's SlotEvents back from collect(), oldest step first. An executor obeys
// the StepPlan contract of runtime/serving/StepPlan.h: it applies releases,
// admissions and block-table changes in that order, runs the prompt chunks and
// decode rows, and detects stops and samples the way SlotState.cuh does.
//
// Two implementations: GpuExecutor (an engine on a GPU, steps queued
// asynchronously, up to two in flight) and CpuExecutor (the fp32 reference
// model, each step run when it is launched).
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/KernelProfile.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// The sizes a Scheduler is built for.
struct ExecutorLimits {
  int32_t maxSlots = 0;      ///< requests served at once
  int32_t maxSeqLen = 0;     ///< the context
  int32_t blockSize = 0;     ///< positions per KV block
  int32_t numBlocks = 0;     ///< blocks in the KV pool
  int32_t maxStepTokens = 0; ///< most token rows one step can run
};

/// A token with its log-probability and the most likely alternatives.
struct ScoredToken {
  int32_t token = -1;
  float logprob = 0;
  std::vector<serving::TokenLogprob> topLogprobs; ///< most likely first
};

/// What one collected step produced and what it cost.
struct StepResult {
  std::vector<serving::SlotEvent> events;
  bool decodeOnly = false;
  double busyMs = 0;       ///< device time of the step's work
  double gapMs = 0;        ///< device idle time before it (when measured)
  int64_t gaps = 0;        ///< how many gaps gapMs sums
  uint64_t copies = 0;     ///< host-to-device copies queued for it
  uint64_t wordWrites = 0; ///< device memsets queued for it
  std::vector<LaunchRecord> launches; ///< with launch profiling only
};

class StepExecutor {
public:
  virtual ~StepExecutor() = default;

  virtual ExecutorLimits limits() const = 0;
  virtual const ModelConfig &config() const = 0;
  /// "cpu" or the GPU's name.
  virtual std::string deviceName() const = 0;
  /// Whether SlotEvents carry log-probabilities when a slot asks for them.
  virtual bool reportsLogprobs() const = 0;
  /// Steps the loop may launch before it collects the oldest.
  virtual int maxInFlight() const = 0;

  /// Called once on the loop thread before any step.
  virtual Status bindToThisThread() { return Status::ok(); }
  /// Applies `plan` and queues (or runs) its work.
  virtual Status launch(const serving::StepPlan &plan) = 0;
  /// The result of the oldest launched step not collected yet.
  virtual StatusOr<StepResult> collect() = 0;
  /// Entry i: token i of `tokens` with its log-probability given tokens
  /// [0, i) and the `top` most likely tokens there; entry 0 has none (its
  /// logprob is 0). Runs between steps, beside the served requests.
  virtual StatusOr<std::vector<ScoredToken>>
  scorePrompt(const std::vector<int32_t> &tokens, int32_t top) {
    return Status::error("prompt log-probabilities are not supported by the " +
                         deviceName() + " device");
  }
  /// Host-to-device copies queued so far (0 on the CPU).
  virtual uint64_t hostToDeviceCopies() const { return 0; }
};

} // namespace llmc
