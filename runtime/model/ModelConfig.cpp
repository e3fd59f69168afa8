// ModelConfig::validate and parameterCount: the one place that decides whether
// a set of hyper-parameters describes a LLaMA-family decoder we can build.
#include "runtime/model/ModelConfig.h"

#include <cmath>
#include <string>

namespace llmc {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

} // namespace

Status checkConfigRange(const std::string &field, int64_t value,
                        int64_t maximum) {
  if (value <= 0)
    return Status::error(field + " must be positive, got " + str(value));
  if (value > maximum)
    return Status::error(field + " " + str(value) + " exceeds the limit of " +
                         str(maximum));
  return Status::ok();
}

Status ModelConfig::validate(const std::string &source) const {
  auto fail = [&](const std::string &what) {
    return Status::error(source + ": invalid model configuration: " + what);
  };
  struct Bounded {
    const char *name;
    int64_t value;
    int64_t maximum;
  };
  using L = ConfigLimits;
  for (const Bounded &b : {Bounded{"dim", dim, L::kMaxDim},
                           Bounded{"num_layers", numLayers, L::kMaxLayers},
                           Bounded{"num_heads", numHeads, L::kMaxHeads},
                           Bounded{"num_kv_heads", numKvHeads, L::kMaxHeads},
                           Bounded{"head_dim", headDim, L::kMaxHeadDim},
                           Bounded{"ffn_dim", ffnDim, L::kMaxFfnDim},
                           Bounded{"vocab_size", vocabSize, L::kMaxVocab},
                           Bounded{"max_seq_len", maxSeqLen, L::kMaxSeqLen}}) {
    Status range = checkConfigRange(b.name, b.value, b.maximum);
    if (!range.isOk())
      return fail(range.message());
  }
  // Within the limits above every product here fits in int64 (2^62 at
  // most), so the count itself cannot overflow.
  if (parameterCount() > L::kMaxParameters)
    return fail("the shapes imply " + str(parameterCount()) +
                " parameters, more than the limit of " +
                str(L::kMaxParameters));
  if (numHeads % numKvHeads != 0)
    return fail("num_heads (" + str(numHeads) +
                ") must be a multiple of num_kv_heads (" + str(numKvHeads) +
                ") so that every kv head serves a whole group of query heads");
  // RoPE rotates pairs of elements within a head.
  if (headDim % 2 != 0)
    return fail("head_dim must be even for RoPE, got " + str(headDim));
  if (slidingWindow < 0)
    return fail("sliding_window must be positive (or 0 for none), got " +
                str(slidingWindow));
  if (!(normEps > 0.0) || !(normEps < 1.0))
    return fail("norm eps must lie in (0, 1), got " + std::to_string(normEps));
  if (!(ropeTheta > 0.0) || !std::isfinite(ropeTheta))
    return fail("rope theta must be positive, got " +
                std::to_string(ropeTheta));
  if (ropeScaling.kind == RopeScaling::Kind::Llama3) {
    if (!(ropeScaling.factor > 0.0) || !std::isfinite(ropeScaling.factor))
      return fail("rope_scaling factor must be positive and finite");
    if (!std::isfinite(ropeScaling.highFreqFactor))
      return fail("rope_scaling high_freq_factor must be finite");
    // Llama 3 scaling interpolates between the two wavelength thresholds and
    // divides by their difference.
    if (!(ropeScaling.highFreqFactor > ropeScaling.lowFreqFactor))
      return fail("rope_scaling high_freq_factor (" +
                  std::to_string(ropeScaling.highFreqFactor) +
                  ") must exceed low_freq_factor (" +
                  std::to_string(ropeScaling.lowFreqFactor) + ")");
    if (!(ropeScaling.lowFreqFactor > 0.0))
      return fail("rope_scaling low_freq_factor must be positive");
    Status original = checkConfigRange(
        "rope_scaling original_max_position_embeddings",
        ropeScaling.originalMaxPositionEmbeddings, ConfigLimits::kMaxSeqLen);
    if (!original.isOk())
      return fail(original.message());
  }
  auto checkToken = [&](const char *what, int64_t id) -> Status {
    if (id < 0 || id >= vocabSize)
      return fail(std::string(what) + " " + str(id) +
                  " lies outside the vocabulary [0, " + str(vocabSize) + ")");
    return Status::ok();
  };
  LLMC_RETURN_IF_ERROR(checkToken("bos token id", bosTokenId));
  LLMC_RETURN_IF_ERROR(checkToken("eos token id", eosTokenId));
  for (int64_t id : eosTokenIds)
    LLMC_RETURN_IF_ERROR(checkToken("eos token id", id));
  if (!eosTokenIds.empty() && eosTokenIds.front() != eosTokenId)
    return fail("eos token id " + str(eosTokenId) +
                " must be the first of the eos token ids");
  return Status::ok();
}

int64_t ModelConfig::parameterCount() const {
  int64_t perLayer = dim * qDim()        // q_proj  [qDim, dim]
                     + 2 * kvDim() * dim // k_proj, v_proj [kvDim, dim]
                     + dim * qDim()      // o_proj  [dim, qDim]
                     + 3 * ffnDim * dim  // gate, up [ffn, dim]; down [dim, ffn]
                     + 2 * dim           // the two RMSNorm weights
                     + (qkvBias ? qDim() + 2 * kvDim() : 0) // q/k/v biases
                     + (qkNorm ? 2 * headDim : 0);          // q/k head norms
  int64_t embeddings = vocabSize * dim * (tieWordEmbeddings ? 1 : 2);
  return embeddings + numLayers * perLayer + dim; // + final norm
}

} // namespace llmc
