// Implementation of loadLlama2cCheckpoint.
#include "runtime/formats/Llama2cCheckpoint.h"

#include "runtime/model/WeightNames.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

namespace llmc {

namespace {

namespace names = weight_names;

constexpr size_t kHeaderBytes = 7 * sizeof(int32_t);
/// "ak42" read as a little-endian int32: the magic of llama2.c's newer export
/// versions, which this reader does not support.
constexpr int32_t kVersionedMagic = 0x616b3432;

struct Header {
  int32_t dim, hiddenDim, numLayers, numHeads, numKvHeads, vocabSize, seqLen;

  std::string describe() const {
    return "dim " + std::to_string(dim) + ", hidden_dim " +
           std::to_string(hiddenDim) + ", n_layers " +
           std::to_string(numLayers) + ", n_heads " + std::to_string(numHeads) +
           ", n_kv_heads " + std::to_string(numKvHeads) + ", vocab_size " +
           std::to_string(vocabSize) +
           (vocabSize < 0 ? " (separate classifier)" : " (shared classifier)") +
           ", seq_len " + std::to_string(seqLen);
  }
};

/// Sums products of int64 factors, reporting overflow instead of wrapping.
class ElementCounter {
public:
  void add(std::initializer_list<int64_t> factors) {
    int64_t product = 1;
    for (int64_t f : factors) {
      if (f != 0 && product > std::numeric_limits<int64_t>::max() / f) {
        overflow_ = true;
        return;
      }
      product *= f;
    }
    if (total_ > std::numeric_limits<int64_t>::max() - product)
      overflow_ = true;
    else
      total_ += product;
  }
  bool overflow() const { return overflow_; }
  int64_t total() const { return total_; }

private:
  int64_t total_ = 0;
  bool overflow_ = false;
};

} // namespace

StatusOr<Llama2cCheckpoint> loadLlama2cCheckpoint(const std::string &path) {
  LLMC_ASSIGN_OR_RETURN(std::shared_ptr<Storage> storage, mapFile(path));
  return parseLlama2cCheckpoint(std::move(storage), path);
}

StatusOr<Llama2cCheckpoint>
parseLlama2cCheckpoint(std::shared_ptr<Storage> storage,
                       const std::string &path) {
  const size_t fileSize = storage->size();
  if (fileSize < kHeaderBytes)
    return Status::error(path + ": file is " + std::to_string(fileSize) +
                         " bytes, shorter than the 28-byte llama2.c header");
  Header h;
  std::memcpy(&h, storage->data(), kHeaderBytes);
  if (h.dim == kVersionedMagic)
    return Status::error(path + ": starts with the magic 'ak42' of a "
                                "versioned llama2.c export; only the legacy "
                                "(version 0) format is supported");
  auto bad = [&](const std::string &problem) {
    return Status::error(path + ": invalid llama2.c header (" + h.describe() +
                         "): " + problem);
  };
  if (h.dim <= 0 || h.hiddenDim <= 0 || h.numLayers <= 0 || h.numHeads <= 0 ||
      h.numKvHeads <= 0 || h.vocabSize == 0 ||
      h.vocabSize == std::numeric_limits<int32_t>::min() || h.seqLen <= 0)
    return bad("every dimension must be positive");
  // Each field against its limit, by its llama2.c name, before any size is
  // derived from it.
  using L = ConfigLimits;
  struct Field {
    const char *name;
    int64_t value, maximum;
  };
  for (const Field &f :
       {Field{"dim", h.dim, L::kMaxDim},
        Field{"hidden_dim", h.hiddenDim, L::kMaxFfnDim},
        Field{"n_layers", h.numLayers, L::kMaxLayers},
        Field{"n_heads", h.numHeads, L::kMaxHeads},
        Field{"n_kv_heads", h.numKvHeads, L::kMaxHeads},
        Field{"vocab_size", std::abs(int64_t(h.vocabSize)), L::kMaxVocab},
        Field{"seq_len", h.seqLen, L::kMaxSeqLen}}) {
    Status range = checkConfigRange(f.name, f.value, f.maximum);
    if (!range.isOk())
      return bad(range.message());
  }
  if (h.dim % h.numHeads != 0)
    return bad("dim is not a multiple of n_heads");

  const bool shared = h.vocabSize > 0;
  const int64_t vocab = shared ? h.vocabSize : -int64_t(h.vocabSize);
  const int64_t dim = h.dim, hidden = h.hiddenDim, layers = h.numLayers;
  const int64_t headDim = dim / h.numHeads;
  const int64_t kvDim = h.numKvHeads * headDim;

  Llama2cCheckpoint result;
  ModelConfig &c = result.config;
  c.name = std::filesystem::path(path).stem().string();
  c.architecture = "LlamaForCausalLM";
  c.dim = dim;
  c.numLayers = layers;
  c.numHeads = h.numHeads;
  c.numKvHeads = h.numKvHeads;
  c.headDim = headDim;
  c.ffnDim = hidden;
  c.vocabSize = vocab;
  c.maxSeqLen = h.seqLen;
  c.normEps = 1e-5;
  c.ropeTheta = 10000.0;
  c.ropeStyle = RopeStyle::Interleaved;
  c.tieWordEmbeddings = shared;
  c.bosTokenId = 1;
  c.eosTokenId = 2;
  c.eosTokenIds = {2};
  LLMC_RETURN_IF_ERROR(c.validate(path));

  ElementCounter count;
  count.add({vocab, dim});                        // token_embedding
  count.add({layers, dim});                       // rms_att
  count.add({layers, dim, dim});                  // wq
  count.add({2, layers, kvDim, dim});             // wk, wv
  count.add({layers, dim, dim});                  // wo
  count.add({layers, dim});                       // rms_ffn
  count.add({3, layers, hidden, dim});            // w1, w2, w3
  count.add({dim});                               // rms_final
  count.add({2, int64_t(h.seqLen), headDim / 2}); // freq_cis_real, _imag
  if (!shared)
    count.add({vocab, dim}); // wcls
  if (count.overflow() ||
      count.total() > int64_t(std::numeric_limits<int64_t>::max() / 4 - 28))
    return bad("the implied file size overflows");
  const uint64_t expected = kHeaderBytes + 4 * uint64_t(count.total());
  if (expected != fileSize)
    return Status::error(
        path + ": file is " + std::to_string(fileSize) +
        " bytes, but its header (" + h.describe() + ") implies exactly " +
        std::to_string(expected) + " bytes (" +
        (fileSize < expected ? "truncated?" : "trailing bytes?") + ")");

  // Walk the arrays in file order; each stacked [L, ...] array is cut into one
  // tensor per layer that views the mapping.
  size_t offset = kHeaderBytes;
  WeightStore &store = result.weights;
  auto add = [&](const std::string &name, std::vector<int64_t> shape) {
    WeightTensor t;
    t.name = name;
    t.dtype = DType::F32;
    t.shape = std::move(shape);
    t.storage = storage;
    t.offset = offset;
    offset += t.byteSize();
    return store.add(std::move(t)).withContext(path);
  };
  auto addPerLayer = [&](const std::function<std::string(int64_t)> &name,
                         const std::vector<int64_t> &shape) {
    for (int64_t l = 0; l < layers; ++l)
      LLMC_RETURN_IF_ERROR(add(name(l), shape));
    return Status::ok();
  };
  LLMC_RETURN_IF_ERROR(add(names::embedTokens(), {vocab, dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::attnNorm, {dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wq, {dim, dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wk, {kvDim, dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wv, {kvDim, dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wo, {dim, dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::ffnNorm, {dim}));
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wGate, {hidden, dim})); // w1
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wDown, {dim, hidden})); // w2
  LLMC_RETURN_IF_ERROR(addPerLayer(names::wUp, {hidden, dim}));   // w3
  LLMC_RETURN_IF_ERROR(add(names::finalNorm(), {dim}));
  // freq_cis_real and freq_cis_imag: unused, RoPE is recomputed.
  offset += 2 * size_t(h.seqLen) * size_t(headDim / 2) * sizeof(float);
  if (!shared)
    LLMC_RETURN_IF_ERROR(add(names::lmHead(), {vocab, dim}));
  return result;
}

} // namespace llmc
