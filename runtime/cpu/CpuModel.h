// CpuModel: the runtime's CPU device. Runs a LLaMA-family decoder in fp32
// through the reference ops, so a model can be served, and GPU results checked,
// on a machine without a GPU.
//
// Built once from a ModelConfig and a WeightStore: every weight is converted to
// fp32 (WeightStore::toFloat) and kept, so forward() never touches the source
// format again. Memory is therefore 4 bytes per parameter: meant for small
// models (stories15M) and the tiny configurations of tests, not for 7B-class
// engines.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"
#include "runtime/reference/KvCache.h"
#include "runtime/reference/ThreadPool.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace llmc {

/// Which rows of logits CpuModel::forward returns.
enum class LogitsFor {
  LastToken, ///< [vocab]: what decoding needs
  AllTokens, ///< [tokens, vocab]: for scoring a whole prompt or checking
             ///< numerics
};

class CpuModel {
public:
  /// Checks `config`, checks every weight's presence and shape against it and
  /// converts the weights to fp32, refusing a weight with a NaN or infinity.
  /// Weights are looked up by the canonical names of WeightNames.h; lm_head is
  /// not needed when the embeddings are tied. numThreads == 0 uses every
  /// hardware thread.
  static StatusOr<CpuModel> create(const ModelConfig &config,
                                   const WeightStore &weights,
                                   unsigned numThreads = 0);

  /// An empty KV cache holding the whole context of this model.
  ref::KvCache createCache() const;
  /// An empty KV cache for the first `positions` positions (1..context): a
  /// short request needs far less than a long-context model's whole context.
  ref::KvCache createCache(int64_t positions) const;

  /// Runs `tokens` at positions startPos, startPos + 1, ... : writes their keys
  /// and values into `cache` (which must already hold positions [0, startPos))
  /// and returns their logits (see LogitsFor). Fails, leaving the cache
  /// untouched, when a token id is outside the vocabulary or the sequence would
  /// pass the context ("prompt of N tokens exceeds the context of M").
  StatusOr<std::vector<float>> forward(const std::vector<int32_t> &tokens,
                                       int64_t startPos, ref::KvCache &cache,
                                       LogitsFor which = LogitsFor::LastToken);

  /// Like above with an explicit position per token. Token t attends to cache
  /// positions [0, positions[t]], which must be filled by this or earlier
  /// calls.
  StatusOr<std::vector<float>> forward(const std::vector<int32_t> &tokens,
                                       const std::vector<int32_t> &positions,
                                       ref::KvCache &cache,
                                       LogitsFor which = LogitsFor::LastToken);

  /// Rows of one sequence in a batched forward: `tokens` at positions
  /// start, start + 1, ... of `cache`.
  struct SequenceRows {
    const std::vector<int32_t> *tokens = nullptr;
    int32_t start = 0;
    ref::KvCache *cache = nullptr;
  };
  /// Several sequences in one pass: the linear layers run over every row at
  /// once (each weight is read once per call, not once per sequence) and
  /// attention runs per sequence over its own cache. Each row computes
  /// exactly what forward() computes for it. Returns the last row's logits
  /// of every sequence, [sequences, vocab]. Fails like forward(), naming the
  /// sequence, before any cache is written.
  StatusOr<std::vector<float>>
  forwardBatch(const std::vector<SequenceRows> &sequences);

  const ModelConfig &config() const { return config_; }
  unsigned numThreads() const { return pool_->size(); }

private:
  /// fp32 weights of one decoder layer (shapes as in nn.Linear: [out, in]).
  struct Layer {
    std::vector<float> attnNorm;     // [dim]
    std::vector<float> wq;           // [numHeads * headDim, dim]
    std::vector<float> wk;           // [numKvHeads * headDim, dim]
    std::vector<float> wv;           // [numKvHeads * headDim, dim]
    std::vector<float> bq, bk, bv;   // [qDim], [kvDim], [kvDim]; empty: no bias
    std::vector<float> qNorm, kNorm; // [headDim]; empty: no q/k norm
    std::vector<float> wo;           // [dim, numHeads * headDim]
    std::vector<float> ffnNorm;      // [dim]
    std::vector<float> wGate;        // [ffnDim, dim]
    std::vector<float> wUp;          // [ffnDim, dim]
    std::vector<float> wDown;        // [dim, ffnDim]
  };

  CpuModel() = default;
  Status checkInputs(const std::vector<int32_t> &tokens,
                     const std::vector<int32_t> &positions,
                     const ref::KvCache &cache) const;
  /// Rows [begin, begin + count) of a pass, with the cache they attend to.
  struct Segment {
    int64_t begin = 0, count = 0;
    ref::KvCache *cache = nullptr;
  };
  /// The decoder layers over x[T, dim] (rows at `positions`), in place.
  void runLayers(float *x, int64_t T, const int32_t *positions,
                 const std::vector<Segment> &segments);
  /// logits[rows.size(), vocab] of x's rows `rows` after the final norm.
  std::vector<float> classify(const float *x, const std::vector<int64_t> &rows);

  ModelConfig config_;
  std::vector<float> embedding_;          // [vocab, dim]
  std::vector<Layer> layers_;             // [numLayers]
  std::vector<float> finalNorm_;          // [dim]
  std::vector<float> lmHead_;             // [vocab, dim]; empty when tied
  std::vector<float> inverseFrequencies_; // RoPE, [headDim / 2]
  // A unique_ptr keeps CpuModel movable (ThreadPool itself is not).
  std::unique_ptr<ref::ThreadPool> pool_;
};

} // namespace llmc
