// ModelConfig::validate and parameterCount: the one place that decides whether
// a set of hyper-parameters describes a LLaMA-family decoder we can build.
#include "runtime/model/ModelConfig.h"

#include <string>

namespace llmc {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

} // namespace

Status ModelConfig::validate(const std::string &source) const {
  auto fail = [&](const std::string &what) {
    return Status::error(source + ": invalid model configuration: " + what);
  };
  struct Positive {
    const char *name;
    int64_t value;
  };
  for (const Positive &p :
       {Positive{"dim", dim}, Positive{"num_layers", numLayers},
        Positive{"num_heads", numHeads}, Positive{"num_kv_heads", numKvHeads},
        Positive{"head_dim", headDim}, Positive{"ffn_dim", ffnDim},
        Positive{"vocab_size", vocabSize}, Positive{"max_seq_len", maxSeqLen}})
    if (p.value <= 0)
      return fail(std::string(p.name) + " must be positive, got " +
                  str(p.value));
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
  if (!(normEps > 0.0))
    return fail("norm eps must be positive, got " + std::to_string(normEps));
  if (!(ropeTheta > 0.0))
    return fail("rope theta must be positive, got " +
                std::to_string(ropeTheta));
  if (ropeScaling.kind == RopeScaling::Kind::Llama3) {
    if (!(ropeScaling.factor > 0.0))
      return fail("rope_scaling factor must be positive");
    // Llama 3 scaling interpolates between the two wavelength thresholds and
    // divides by their difference.
    if (!(ropeScaling.highFreqFactor > ropeScaling.lowFreqFactor))
      return fail("rope_scaling high_freq_factor (" +
                  std::to_string(ropeScaling.highFreqFactor) +
                  ") must exceed low_freq_factor (" +
                  std::to_string(ropeScaling.lowFreqFactor) + ")");
    if (!(ropeScaling.lowFreqFactor > 0.0))
      return fail("rope_scaling low_freq_factor must be positive");
    if (ropeScaling.originalMaxPositionEmbeddings <= 0)
      return fail("rope_scaling original_max_position_embeddings must be "
                  "positive");
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
