// Estimate: TTFT, TPOT and peak memory of a workload on an engine, predicted
// from the engine's launch costs and a device's ceilings (Roofline.h).
//
// The workload is `batch` requests of `prompt` tokens arriving together, each
// generating `output` tokens. The engine runs it as:
//   prefill  the prompts, packed sequence after sequence into steps of at most
//            the prefill phase's rows; a step's attention cost is exact: a row
//            at position p attends to p + 1 positions, and the step's terms
//            take the sum over its rows (the cost is linear in it). A step in
//            which a prompt ends also runs the sample phase (over max_slots
//            rows, as the runtime does). A request's TTFT is the end of the
//            step holding its prompt's last token.
//   decode   output - 1 steps of `batch` rows; step j (1-based) feeds each
//            request's token j at position prompt + j - 1, attending to
//            prompt + j positions, then samples. TPOT is the step at the mean
//            context, prompt + output / 2; the decode time sums every step at
//            its own context.
// Decode rows that join prefill steps once their own prompt is done (the
// continuous batcher mixes them) are not modelled: for batch > 1 the TTFTs
// are a lower bound. For batch 1 the schedule is exact.
//
// Peak memory = weights + KV cache + the phases' arenas, where the KV cache
// holds each request's written positions (prompt + output - 1) rounded up to
// whole blocks.
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/Roofline.h"

#include <cstdint>
#include <vector>

namespace llmc {

struct Workload {
  int64_t batch = 1;
  int64_t prompt = 128;
  int64_t output = 128;

  /// Every size at least 1.
  Status validate() const;
};

/// One prefill step: its rows and the positions they attend to, summed.
struct PrefillStep {
  int64_t rows = 0;
  double contextSum = 0;     ///< sum over rows of (position + 1)
  int64_t promptsEnding = 0; ///< prompts whose last token is in this step
};

/// Packs `batch` prompts of `prompt` tokens, one after another, into steps
/// of at most `budget` rows.
std::vector<PrefillStep> planPrefillSteps(int64_t batch, int64_t prompt,
                                          int64_t budget);

struct MemoryEstimate {
  uint64_t weightBytes = 0;
  uint64_t kvBytes = 0;
  int64_t kvTokens = 0; ///< positions held, rounded up to whole blocks
  uint64_t arenaBytes = 0;
  uint64_t totalBytes() const { return weightBytes + kvBytes + arenaBytes; }
};

struct Estimate {
  Workload workload;
  RooflineParams roofline;

  int64_t prefillSteps = 0;
  RooflineTime prefill;       ///< every prefill step, sampling included
  double ttftSeconds = 0;     ///< mean over the batch's requests
  double ttftLastSeconds = 0; ///< every request has its first token

  double decodeContext = 0; ///< mean context of the decode steps
  RooflineTime decodeStep;  ///< one step at decodeContext, sampling included
  double tpotSeconds = 0;   ///< decodeStep.seconds; 0 when output is 1
  double decodeSeconds = 0; ///< all output - 1 steps
  double e2eSeconds = 0;    ///< the last request's: ttftLast + decode
  double decodeTokensPerSecond = 0; ///< batch / TPOT

  MemoryEstimate memory;
};

/// Fails when the workload does not fit the engine: a size below 1, a batch
/// over max_slots, prompt + output over the context; or when the ceilings
/// are not positive.
StatusOr<Estimate> estimate(const EngineCosts &costs, const Workload &workload,
                            const RooflineParams &params);

} // namespace llmc
