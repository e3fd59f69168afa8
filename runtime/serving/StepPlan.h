// StepPlan and SlotEvent: the contract between the scheduler and a device's
// executor (runtime/api/StepExecutor.h: the GPU's, the CPU's). A plan says
// what one step runs; events say what each slot produced in it.
//
// The executor applies a plan in this order:
//   1. releasedSlots: mark the slot idle (finished = FinishReason::Idle), so
//      no kernel touches it; a released slot may be admitted again below;
//   2. admissions: write the slot-state init values of each new request
//      (positions = -1, generated = 0, finished = running, tokens = -1);
//   3. blockTableChanges: copy the changed entries to the device table;
//   4. run the step: every prefill chunk (writing k/v at startPosition...) and
//      one decode row per listed slot. A request's first chunk starts at its
//      admission's cachedPrefix: the positions before are shared blocks of a
//      cached prefix, already written, which attention reads through the
//      block table like any earlier chunk's. After a lastChunk the executor
//      sets positions[slot] = promptLength - 1 so that the sample and slot
//      update that close the step are the decode ones
//      (compiler/kernels/README.md).
// Decode rows list every slot that may still run on the device: one that
// finished in a step whose result the scheduler has not read yet (the
// one-step overshoot) is listed and masked by the device; one certain to have
// finished (its max tokens or the context reached) is not. The executor may
// therefore run the listed rows or, equally, every active slot. Every listed
// row has a block for its position.
//
// Each step reports one SlotEvent per slot that sampled (the decode rows still
// running and the slots whose prompt's last chunk ran), read from the token
// ring; finished and idle slots report nothing.
#pragma once

#include "runtime/serving/BlockManager.h"
#include "runtime/serving/Request.h"

#include <cstdint>
#include <vector>

namespace llmc::serving {

/// The slot-state values of a request bound to `slot` in this step.
struct SlotInit {
  int32_t slot = 0;
  RequestId request = -1;
  /// Positions the prefill writes: the prompt, plus the tokens already
  /// streamed when a preempted request is recomputed.
  int32_t promptLength = 0;
  int32_t maxNewTokens = 0; ///< tokens still to generate at most
  int32_t contextLimit = 0; ///< the context: positions available
  /// Positions [0, cachedPrefix) are already in the slot's blocks (a cached
  /// prefix): the first prefill chunk starts there.
  int32_t cachedPrefix = 0;
  SlotStopIds stops;
  ref::SamplingParams sampling;
  int32_t topLogprobs = -1; ///< Request::topLogprobs
};

/// Prompt positions [startPosition, startPosition + tokens.size()) of a slot.
struct PrefillChunk {
  int32_t slot = 0;
  RequestId request = -1;
  int32_t startPosition = 0;
  std::vector<int32_t> tokens;
  bool lastChunk = false; ///< the prompt ends here: sample its first token
};

/// One decode row: feeds the slot's last token at `position`.
struct DecodeRow {
  int32_t slot = 0;
  RequestId request = -1;
  int32_t position =
      0; ///< where the row writes k/v (the device's positions[slot])
};

struct StepPlan {
  int64_t step = -1; ///< the index onStepResult must be given back
  std::vector<int32_t> releasedSlots;
  std::vector<SlotInit> admissions;
  std::vector<BlockTableChange> blockTableChanges;
  std::vector<PrefillChunk>
      prefills;                   ///< running requests first, then admissions
  std::vector<DecodeRow> decodes; ///< oldest admission first

  /// Nothing to run: the step was not taken and expects no result.
  bool empty() const { return prefills.empty() && decodes.empty(); }
  /// Token rows of the step: prefill tokens plus decode rows.
  int32_t numTokens() const {
    int32_t tokens = int32_t(decodes.size());
    for (const PrefillChunk &chunk : prefills)
      tokens += int32_t(chunk.tokens.size());
    return tokens;
  }
};

/// What one slot produced in a step (one entry of SlotState's token ring).
struct SlotEvent {
  int32_t slot = 0;
  int32_t token = -1;
  /// As the device reported it; the scheduler refuses Idle and codes outside
  /// the enum.
  FinishReason finishReason = FinishReason::Running;
  /// Filled by executors that report log-probabilities, for slots admitted
  /// with topLogprobs >= 0.
  float logprob = 0;
  std::vector<TokenLogprob> topLogprobs = {};
};

} // namespace llmc::serving
