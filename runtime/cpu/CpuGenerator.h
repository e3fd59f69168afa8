// CpuGenerator: generates one request's tokens on the CPU device — prefill the
// prompt, then sample and decode one token at a time until a stop condition —
// streaming each token to a callback as it is chosen.
//
// This is the single-request loop behind `llm-run --device cpu`; the batched
// GPU engine has its own scheduler.
#pragma once

#include "runtime/Status.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/engine/EngineAbi.h"
#include "runtime/metrics/RequestMetrics.h"
#include "runtime/reference/ReferenceOps.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace llmc {

struct GenerationRequest {
  std::vector<int32_t> prompt; ///< token ids, BOS included if wanted
  int64_t maxTokens = 256;     ///< upper bound on generated tokens (> 0)
  ref::SamplingParams sampling;
  std::vector<int32_t> stopTokenIds; ///< generation ends after any of these
};

/// Why generation ended, in the engine's codes: StopToken (produced a token of
/// stopTokenIds), MaxTokens (produced maxTokens tokens) or ContextEnd (the
/// sequence filled the model's context).
using engine::FinishReason;
/// "stop", "length", "context".
using engine::finishReasonName;

struct GenerationResult {
  std::vector<int32_t> tokens; ///< generated ids (the stop token included)
  FinishReason finishReason = FinishReason::MaxTokens;
  RequestMetrics metrics;
};

/// Checks `request` against `model` without running anything: what
/// generate() refuses (see below). Callers check before echoing a prompt.
Status checkGenerationRequest(const CpuModel &model,
                              const GenerationRequest &request);

/// The positions the KV cache of `request` needs: its prompt and every token
/// it may generate, at most the model's context.
int64_t kvCachePositions(const CpuModel &model,
                         const GenerationRequest &request);

/// Runs `request` on `model`. `onToken` sees every generated id as soon as it
/// is sampled. Fails before any work on an empty prompt, a prompt that does not
/// leave room for one generated token in the context, maxTokens <= 0, or
/// invalid sampling parameters.
StatusOr<GenerationResult>
generate(CpuModel &model, const GenerationRequest &request,
         const std::function<void(int32_t)> &onToken = nullptr);

} // namespace llmc
