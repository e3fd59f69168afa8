// Scheduler: decides what every step of the serving engine runs — which
// requests get a slot, which prompt chunks are prefilled under the step's
// token budget, which slots decode, which KV blocks they get — and turns the
// tokens the device reports back into per-request outputs.
//
// It is pure, deterministic host logic with no threads and no device code;
// the engine loop drives it:
//     plan = planStep();  launch(plan);  outputs = onStepResult(prev, events);
// Results arrive late: the engine plans step N+1 before it has read step N's
// tokens. A request that finished in step N is therefore planned again in
// N+1; the device masks it (StepPlan.h) and the scheduler drops that work.
// Results may lag by any number of steps, but must be reported in step order.
//
// Policies
//  - Continuous batching: a request is admitted (first come, first served)
//    into any free slot as soon as the pool has free blocks for its whole
//    prompt beyond what the prompts already admitted still need. It keeps the
//    slot until its finish is seen or it is cancelled or preempted.
//  - Static batching (the comparison baseline): a batch of up to maxSlots
//    queued requests is admitted together and run to completion; finished
//    slots stay idle until every request of the batch is done.
//  - Each step decodes one row per running slot; the rest of the token budget
//    goes to prompt chunks, partially prefilled prompts (oldest first) before
//    new admissions.
//  - Prefix caching (optional): an admitted request starts with every cached
//    full block of its prompt (BlockManager::lookupPrefix) and prefills from
//    there; at least its last prompt token is computed, since that step
//    samples. Blocks a plan's chunks fill are indexed when the plan is made
//    (a later step, queued after it, may read them); blocks filled by decode
//    are indexed when the request finishes.
//  - Blocks are allocated for the positions a step writes. When a running
//    request needs a block and none is free, the most recently admitted
//    running request is preempted: its blocks and slot are freed and it is
//    queued again at the front, to be recomputed from its prompt plus the
//    tokens it already streamed (sampling counters depend on positions only,
//    so the recomputation continues with the same tokens; none is streamed
//    twice). The pool holds at least one full context, so the oldest request
//    always progresses.
#pragma once

#include "runtime/Status.h"
#include "runtime/serving/BlockManager.h"
#include "runtime/serving/Request.h"
#include "runtime/serving/StepPlan.h"

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace llmc::serving {

enum class BatchingMode { Continuous, Static };

struct SchedulerParams {
  int32_t maxSlots = 0;      ///< requests served at once (device slot rows)
  int32_t maxSeqLen = 0;     ///< context: positions per request
  int32_t blockSize = 0;     ///< positions per KV block
  int32_t numBlocks = 0;     ///< blocks in the KV pool
  int32_t maxStepTokens = 0; ///< token rows per step: prefill + decode
  BatchingMode mode = BatchingMode::Continuous;
  bool prefixCaching = false; ///< share cached prompt blocks

  /// maxSlots, blockSize >= 1; maxSeqLen >= 2; maxStepTokens > maxSlots (a
  /// prompt chunk always fits beside a full set of decode rows); numBlocks at
  /// least one full context (ceil(maxSeqLen / blockSize)).
  Status validate() const;
  int32_t maxBlocksPerSeq() const;
};

enum class RequestPhase {
  Queued,     ///< waiting for its first admission
  Preempted,  ///< waiting to be recomputed after losing its slot
  Prefilling, ///< holds a slot; prompt chunks still to plan
  Decoding,   ///< holds a slot; prompt fully planned
  Done,       ///< finished or cancelled (or never submitted)
};

class Scheduler {
public:
  static StatusOr<Scheduler> create(const SchedulerParams &params);

  /// Queues a request; fails (see checkRequest) without affecting others.
  StatusOr<RequestId> submit(Request request);
  /// Drops a request in any phase, freeing its slot and blocks; its pending
  /// tokens are discarded. A request already finished or cancelled is left
  /// alone (ok); an id never handed out is an error.
  Status cancel(RequestId id);

  /// Plans the next step. An empty() plan runs nothing and expects no
  /// result; its step index is not consumed.
  StepPlan planStep();
  /// Takes the events of `step` (the oldest step not yet reported) and
  /// returns the requests' new tokens in event order. Events of requests
  /// cancelled since are dropped. Fails, changing nothing, when the step is
  /// out of order or an event does not fit the plan: slot that did not
  /// sample, duplicate slot, negative token, unknown finish code, or a
  /// request reported running past its max tokens or the context.
  StatusOr<std::vector<RequestOutput>>
  onStepResult(int64_t step, const std::vector<SlotEvent> &events);

  RequestPhase phase(RequestId id) const;
  /// The timeline of a live request; an error for one that is done.
  StatusOr<RequestTimeline> timeline(RequestId id) const;
  /// Nothing queued, nothing holding a slot, no step awaiting its result.
  bool idle() const;
  size_t numQueued() const { return queue_.size(); }
  size_t numRunning() const { return running_.size(); }
  const BlockManager &blockManager() const { return blocks_; }
  /// Prompt positions looked up in the prefix cache at admission, and those
  /// found there.
  int64_t prefixQueriedTokens() const { return prefixQueried_; }
  int64_t prefixHitTokens() const { return prefixHits_; }
  const SchedulerParams &params() const { return params_; }

private:
  /// The scheduler's record of one live request.
  struct Entry {
    RequestId id = -1;
    Request request;
    SlotStopIds stops;
    std::vector<int32_t> emitted; ///< tokens streamed to the client so far
    RequestTimeline timeline;
    bool preempted = false; ///< queued again after losing its slot
    // The current admission (while slot >= 0):
    int32_t slot = -1;
    std::vector<int32_t> sequence; ///< prefilled: prompt + emitted at admission
    int32_t prefilled = 0;         ///< positions of `sequence` planned so far
    /// Tokens the planned steps produce if none finishes early: 1 for the
    /// prompt's last chunk, 1 per decode row.
    int32_t plannedTokens = 0;
    int32_t maxNewTokens = 0;     ///< this admission's limit (what is left)
    int64_t lastPlannedStep = -1; ///< the latest step that runs this request
  };
  /// The request each slot sampled for in one step, to route its events.
  struct StepRecord {
    int64_t step = 0;
    std::vector<RequestId> samplerOfSlot; ///< [maxSlots], -1: no sample
  };
  /// One plan under construction.
  struct PlanContext {
    StepPlan plan;
    StepRecord record;
    int32_t prefillBudget = 0; ///< prompt tokens the step can still take
    bool preempted = false;    ///< someone lost its slot: admit nobody
  };

  Scheduler(const SchedulerParams &params, BlockManager blocks);

  Entry &entry(RequestId id);
  const Entry *findEntry(RequestId id) const;
  bool promptPlanned(const Entry &e) const;
  bool willDecode(const Entry &e) const;
  int32_t pendingPromptBlocks() const;
  int64_t oldestUnreportedStep() const;
  int32_t freeSlot() const;

  void planRunning(Entry &e, PlanContext &ctx);
  bool makeRoom(Entry &e, int32_t blocksNeeded, PlanContext &ctx);
  void planChunk(Entry &e, int32_t length, PlanContext &ctx);
  void planAdmissions(PlanContext &ctx);
  /// The cached blocks a (re)admission of `e` would start with.
  std::vector<int32_t> cachedPrefix(const Entry &e) const;
  void admit(Entry &e, int32_t slot, const std::vector<int32_t> &cached,
             PlanContext &ctx);
  void preempt(Entry &e, PlanContext &ctx);
  void releaseSlot(Entry &e);

  Status checkEvents(const StepRecord &record,
                     const std::vector<SlotEvent> &events) const;

  SchedulerParams params_;
  BlockManager blocks_;
  RequestId nextId_ = 0;
  int64_t nextStep_ = 0;
  std::unordered_map<RequestId, Entry> entries_; // live requests; not iterated
  std::deque<RequestId> queue_;                  // waiting, front first
  std::vector<RequestId> running_;     // holding a slot, oldest admission first
  std::vector<RequestId> slotOwner_;   // [maxSlots], -1: free
  std::vector<int32_t> releasedSlots_; // freed since the last plan
  std::deque<StepRecord> inFlight_;    // planned steps awaiting their result
  int64_t prefixQueried_ = 0, prefixHits_ = 0;
};

} // namespace llmc::serving
