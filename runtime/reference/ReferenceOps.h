// fp32 reference semantics of every llm-dialect op.
//
// These functions are the oracle of the project: the llm-dialect interpreter
// calls them to execute a module (so passes can be checked numerically), the
// runtime's CPU device calls them to run a model without a GPU, and later every
// GPU kernel is compared against them. They favour clarity over speed; only
// `linear` and `attention`, which dominate the run time, split work across a
// ThreadPool.
//
// Layout conventions (row-major everywhere):
//   activations  x[T, D]           T = tokens in this call, D = feature dim
//   linear weight w[N, K]          y = x . w^T (PyTorch nn.Linear layout)
//   q/k/v rows   q[T, H * hd]      head h: columns [h * hd, (h + 1) * hd)
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/reference/KvCache.h"
#include "runtime/reference/ThreadPool.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace llmc::ref {

/// out[t, :] = table[tokens[t], :]; table is [vocab, dim].
void embed(const float *table, int64_t vocab, int64_t dim,
           const int32_t *tokens, int64_t numTokens, float *out);

/// out[t, :] = x[t, :] / sqrt(mean(x[t, :]^2) + eps) * weight
void rmsNorm(const float *x, const float *weight, int64_t numTokens,
             int64_t dim, float eps, float *out);

/// out[T, N] = x[T, K] . w[N, K]^T. `pool` may be null (single-threaded).
void linear(const float *x, const float *w, int64_t numTokens, int64_t inDim,
            int64_t outDim, float *out, ThreadPool *pool);

/// x[t, :] += bias for every token row of x[T, dim].
void addBias(float *x, const float *bias, int64_t numTokens, int64_t dim);

/// Per-head RMSNorm in place (Qwen3's q_norm / k_norm): every head of
/// x[T, numHeads * headDim] is normalized as rmsNorm does a row, scaled by the
/// [headDim] weight.
void headRmsNorm(float *x, const float *weight, int64_t numTokens,
                 int64_t numHeads, int64_t headDim, float eps);

/// RoPE inverse frequencies for one head: headDim/2 values theta^(-2i/headDim),
/// adjusted by `scaling` (Llama 3 scaling smoothly divides low frequencies).
std::vector<float> ropeInverseFrequencies(int64_t headDim, double theta,
                                          const RopeScaling &scaling);

/// Rotates x[T, numHeads * headDim] in place; token t sits at positions[t].
void rope(float *x, const int32_t *positions, int64_t numTokens,
          int64_t numHeads, int64_t headDim,
          const std::vector<float> &inverseFrequencies, RopeStyle style);

/// Causal grouped-query attention of q[T, numHeads * headDim] over the cache
/// of `layer`: token t (at positions[t]) attends to the cached positions
/// 0 ..= positions[t], which must already hold k/v; with a sliding `window`
/// > 0 only to the last `window` of them, (positions[t] - window,
/// positions[t]] (Hugging Face's sliding-window mask). Query head h reads kv
/// head h / (numHeads / numKvHeads); scores are scaled by `scale` and
/// normalized by a max-subtracted softmax. out is [T, numHeads * headDim];
/// `pool` may be null.
void attention(const float *q, const KvCache &cache, int64_t layer,
               const int32_t *positions, int64_t numTokens, int64_t numHeads,
               float scale, float *out, ThreadPool *pool, int64_t window = 0);

/// out[i] = silu(gate[i]) * up[i]
void swiglu(const float *gate, const float *up, int64_t n, float *out);

/// out[i] = a[i] + b[i]
void add(const float *a, const float *b, int64_t n, float *out);

/// How the next token is chosen from one row of logits.
struct SamplingParams {
  float temperature = 0.0f; ///< 0 = greedy (argmax)
  int64_t topK = 0;         ///< 0 = no top-k filter
  float topP = 1.0f;        ///< 1 = no nucleus filter
  uint64_t seed = 0;

  /// temperature >= 0 and finite, topK >= 0, 0 < topP <= 1.
  Status validate() const;
};

/// Picks a token from logits[vocab]. The random draw depends only on
/// (params.seed, step), so a request samples the same tokens alone or batched.
///
/// temperature 0 is argmax (lowest id on ties). Otherwise:
///  1. p = softmax(logits / temperature), in double;
///  2. top-k keeps the k most probable tokens (ties: lower id first);
///  3. top-p orders the kept tokens by (p desc, id asc) and keeps the shortest
///     prefix whose share of the kept mass reaches topP (at least one token);
///  4. with u = uniformFromCounter(seed, step), the result is the first kept
///     token, in ascending id order, where the running kept mass exceeds
///     u * (total kept mass).
int32_t sample(const float *logits, int64_t vocab, const SamplingParams &params,
               uint64_t step);

/// Uniform float in [0, 1) from (seed, step): a counter-based SplitMix64
/// hash, 24 random bits.
float uniformFromCounter(uint64_t seed, uint64_t step);

/// A token's log-probability and the most likely tokens'.
struct TokenLogprobs {
  float logprob = 0; ///< of the token asked about
  /// (id, log-probability) of the `top` most likely tokens: logit
  /// descending, then id ascending.
  std::vector<std::pair<int32_t, float>> top;
};

/// log-softmax of the raw logits[vocab] (no temperature, no filter), in
/// double: the log-probability of `token` and of the min(top, vocab) most
/// likely tokens (none when top <= 0). What a request's `logprobs` reports.
TokenLogprobs tokenLogprobs(const float *logits, int64_t vocab, int32_t token,
                            int32_t top);

} // namespace llmc::ref
