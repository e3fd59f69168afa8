// Request: what a client asks the serving scheduler for (prompt ids, sampling
// parameters, stop criteria) and what it gets back (tokens, a finish reason,
// and the step indices of the request's life for the metrics).
//
// Stop detection runs on the device, so the stop criteria are folded into the
// per-slot form of the device's slot state (runtime/engine/EngineAbi.h):
// one end-of-sequence id plus up to kMaxStopIds further stop ids.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/EngineAbi.h"
#include "runtime/reference/ReferenceOps.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace llmc::serving {

/// Stop ids a slot holds besides its end-of-sequence id.
using engine::kMaxStopIds;

using RequestId = int64_t;

struct StopCriteria {
  int32_t maxNewTokens = 256;   ///< tokens to generate at most (> 0)
  std::vector<int32_t> stopIds; ///< tokens that end the generation
  std::vector<int32_t> eosIds;  ///< the model's end-of-sequence tokens
  bool ignoreEos = false;       ///< generate through eosIds
};

/// Top log-probabilities a slot can report per token.
using engine::kMaxTopLogprobs;

struct Request {
  std::vector<int32_t> prompt; ///< token ids (>= 0), BOS included if wanted
  ref::SamplingParams sampling;
  StopCriteria stop;
  /// -1: no log-probabilities; k in [0, kMaxTopLogprobs]: each token comes
  /// with its own log-probability and the k most likely tokens'. They are
  /// the model's distribution (log-softmax of the logits), before
  /// temperature and filters, as OpenAI's API reports them.
  int32_t topLogprobs = -1;
};

/// One token and its log-probability.
struct TokenLogprob {
  int32_t token = -1;
  float logprob = 0;
};

/// The stop tokens in the slot's form: eosId is the first eos id (-1 when
/// there is none or eos is ignored); the other eos ids and the stop ids, each
/// once, fill stopIds, padded with -1.
struct SlotStopIds {
  int32_t eosId = -1;
  std::array<int32_t, kMaxStopIds> stopIds{-1, -1, -1, -1};
};

/// Checks `request` for a context of `maxSeqLen` positions and folds its stop
/// tokens. Fails, naming the field and the value, on an empty prompt, a prompt
/// that leaves no room for one generated token (prompt + 1 > maxSeqLen), a
/// negative id, maxNewTokens <= 0, more distinct stop tokens than the slot
/// holds, or invalid sampling parameters.
StatusOr<SlotStopIds> checkRequest(const Request &request, int32_t maxSeqLen);

/// Why a request stopped: StopToken, MaxTokens or ContextEnd (the slot's
/// finish codes; a finished request never reports Running or Idle).
using engine::FinishReason;
/// "stop", "length", "context".
using engine::finishReasonName;

/// Step indices of a request's life (-1: not reached yet). The engine turns
/// step indices into wall-clock times (TTFT, E2E, queueing delay).
struct RequestTimeline {
  int64_t submitStep = -1;     ///< the first step that could have admitted it
  int64_t admitStep = -1;      ///< the step of its first admission
  int64_t firstTokenStep = -1; ///< the step that produced its first token
  int64_t finishStep = -1;     ///< the step that produced its last token
  int32_t preemptions = 0;     ///< times it lost its slot and was recomputed
};

/// One token of one request, in the order the device produced them.
struct RequestOutput {
  RequestId request = -1;
  int32_t token = -1;
  std::optional<FinishReason> finish; ///< set on the request's last token
  RequestTimeline timeline;           ///< as of this token; final on the last
  float logprob = 0; ///< the token's log-probability (when requested)
  std::vector<TokenLogprob> topLogprobs; ///< most likely first
};

} // namespace llmc::serving
