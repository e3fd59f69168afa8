// CpuModel: the LLaMA decoder on the CPU, op by op through the reference ops.
//
// One forward() call processes T tokens (a prompt chunk or one decode token):
//   x = embed(tokens)                                        [T, dim]
//   per layer:
//     h = rms_norm(x);  q, k, v = h.Wq^T, h.Wk^T, h.Wv^T      [T, q/kv dims]
//     rope(q), rope(k);  cache[layer][positions] = k, v
//     x += attention(q, cache) . Wo^T
//     h = rms_norm(x);  x += (silu(h.Wgate^T) * h.Wup^T) . Wdown^T
//   logits = rms_norm(x) . (lm_head or embed_tokens)^T        [rows, vocab]
#include "runtime/cpu/CpuModel.h"

#include "runtime/model/WeightNames.h"
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace llmc {

namespace {

std::string shapeString(const std::vector<int64_t> &shape) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}

/// Reads tensor `name` as fp32 after checking that its shape is `expected`.
Status loadTensor(const WeightStore &weights, const std::string &name,
                  const std::vector<int64_t> &expected,
                  std::vector<float> &out) {
  LLMC_ASSIGN_OR_RETURN(const WeightTensor *tensor, weights.get(name));
  if (tensor->shape != expected)
    return Status::error("weight " + name + " has shape " +
                         shapeString(tensor->shape) + ", the config needs " +
                         shapeString(expected));
  LLMC_ASSIGN_OR_RETURN(out, weights.toFloat(name));
  // A NaN or infinity spreads through every later op and turns the logits
  // into NaN, which samples as garbage: refuse it where it can be named.
  for (size_t i = 0; i < out.size(); ++i)
    if (!std::isfinite(out[i]))
      return Status::error("weight " + name + " holds a non-finite value (" +
                           std::to_string(out[i]) + ") at element " +
                           std::to_string(i));
  return Status::ok();
}

} // namespace

StatusOr<CpuModel> CpuModel::create(const ModelConfig &config,
                                    const WeightStore &weights,
                                    unsigned numThreads) {
  const std::string source = config.name.empty() ? "model" : config.name;
  LLMC_RETURN_IF_ERROR(config.validate(source));

  CpuModel model;
  model.config_ = config;
  const int64_t dim = config.dim, vocab = config.vocabSize;
  const int64_t q = config.qDim(), kv = config.kvDim(), ffn = config.ffnDim;
  auto load = [&](const std::string &name, std::vector<int64_t> shape,
                  std::vector<float> &out) {
    return loadTensor(weights, name, shape, out).withContext(source);
  };

  namespace wn = weight_names;
  LLMC_RETURN_IF_ERROR(load(wn::embedTokens(), {vocab, dim}, model.embedding_));
  model.layers_.resize(size_t(config.numLayers));
  for (int64_t i = 0; i < config.numLayers; ++i) {
    Layer &l = model.layers_[size_t(i)];
    LLMC_RETURN_IF_ERROR(load(wn::attnNorm(i), {dim}, l.attnNorm));
    LLMC_RETURN_IF_ERROR(load(wn::wq(i), {q, dim}, l.wq));
    LLMC_RETURN_IF_ERROR(load(wn::wk(i), {kv, dim}, l.wk));
    LLMC_RETURN_IF_ERROR(load(wn::wv(i), {kv, dim}, l.wv));
    LLMC_RETURN_IF_ERROR(load(wn::wo(i), {dim, q}, l.wo));
    LLMC_RETURN_IF_ERROR(load(wn::ffnNorm(i), {dim}, l.ffnNorm));
    LLMC_RETURN_IF_ERROR(load(wn::wGate(i), {ffn, dim}, l.wGate));
    LLMC_RETURN_IF_ERROR(load(wn::wUp(i), {ffn, dim}, l.wUp));
    LLMC_RETURN_IF_ERROR(load(wn::wDown(i), {dim, ffn}, l.wDown));
  }
  LLMC_RETURN_IF_ERROR(load(wn::finalNorm(), {dim}, model.finalNorm_));
  if (!config.tieWordEmbeddings)
    LLMC_RETURN_IF_ERROR(load(wn::lmHead(), {vocab, dim}, model.lmHead_));

  model.inverseFrequencies_ = ref::ropeInverseFrequencies(
      config.headDim, config.ropeTheta, config.ropeScaling);
  model.pool_ = std::make_unique<ref::ThreadPool>(numThreads);
  return model;
}

ref::KvCache CpuModel::createCache() const {
  return createCache(config_.maxSeqLen);
}

ref::KvCache CpuModel::createCache(int64_t positions) const {
  return ref::KvCache(config_.numLayers, config_.numKvHeads, config_.headDim,
                      std::clamp<int64_t>(positions, 1, config_.maxSeqLen));
}

Status CpuModel::checkInputs(const std::vector<int32_t> &tokens,
                             const std::vector<int32_t> &positions,
                             const ref::KvCache &cache) const {
  const std::string &name = config_.name;
  auto fail = [&](const std::string &message) {
    return Status::error((name.empty() ? "model" : name) + ": " + message);
  };
  if (tokens.empty())
    return fail("forward() needs at least one token");
  if (positions.size() != tokens.size())
    return fail(std::to_string(tokens.size()) + " tokens but " +
                std::to_string(positions.size()) + " positions");
  if (cache.numLayers() != config_.numLayers ||
      cache.numKvHeads() != config_.numKvHeads ||
      cache.headDim() != config_.headDim)
    return fail("KV cache shape (layers " + std::to_string(cache.numLayers()) +
                ", kv heads " + std::to_string(cache.numKvHeads()) +
                ", head dim " + std::to_string(cache.headDim()) +
                ") does not match the model");
  for (size_t t = 0; t < tokens.size(); ++t)
    if (tokens[t] < 0 || tokens[t] >= config_.vocabSize)
      return fail("token id " + std::to_string(tokens[t]) + " at index " +
                  std::to_string(t) + " is outside the vocabulary of " +
                  std::to_string(config_.vocabSize));
  const int64_t context = std::min(config_.maxSeqLen, cache.maxSeqLen());
  for (size_t t = 0; t < positions.size(); ++t) {
    if (positions[t] < 0)
      return fail("negative position " + std::to_string(positions[t]) +
                  " at index " + std::to_string(t));
    if (positions[t] >= context)
      return fail("prompt of " + std::to_string(int64_t(positions[t]) + 1) +
                  " tokens exceeds the context of " + std::to_string(context));
  }
  return Status::ok();
}

StatusOr<std::vector<float>>
CpuModel::forward(const std::vector<int32_t> &tokens, int64_t startPos,
                  ref::KvCache &cache, LogitsFor which) {
  const std::string name = config_.name.empty() ? "model" : config_.name;
  const int64_t context = std::min(config_.maxSeqLen, cache.maxSeqLen());
  const int64_t total = startPos + int64_t(tokens.size());
  if (startPos < 0)
    return Status::error(name + ": negative start position " +
                         std::to_string(startPos));
  // Checked here, before positions are formed, so the message counts the whole
  // sequence rather than naming the first position past the end.
  if (total > context)
    return Status::error(
        name + ": prompt of " + std::to_string(total) +
        " tokens exceeds the context of " + std::to_string(context) +
        (startPos > 0 ? " (" + std::to_string(startPos) + " cached + " +
                            std::to_string(tokens.size()) + " new)"
                      : std::string()));
  std::vector<int32_t> positions(tokens.size());
  for (size_t t = 0; t < tokens.size(); ++t)
    positions[t] = int32_t(startPos + int64_t(t));
  return forward(tokens, positions, cache, which);
}

StatusOr<std::vector<float>>
CpuModel::forward(const std::vector<int32_t> &tokens,
                  const std::vector<int32_t> &positions, ref::KvCache &cache,
                  LogitsFor which) {
  LLMC_RETURN_IF_ERROR(checkInputs(tokens, positions, cache));

  const int64_t T = int64_t(tokens.size());
  const int64_t dim = config_.dim, H = config_.numHeads;
  const int64_t kvH = config_.numKvHeads, hd = config_.headDim;
  const int64_t qDim = config_.qDim(), kvDim = config_.kvDim();
  const int64_t ffn = config_.ffnDim, vocab = config_.vocabSize;
  const float eps = float(config_.normEps);
  const float scale = float(1.0 / std::sqrt(double(hd)));
  ref::ThreadPool *pool = pool_.get();

  std::vector<float> x(size_t(T * dim)); // residual stream
  std::vector<float> h(size_t(T * dim)); // normalized input of a block
  std::vector<float> q(size_t(T * qDim)), attn(size_t(T * qDim));
  std::vector<float> k(size_t(T * kvDim)), v(size_t(T * kvDim));
  std::vector<float> proj(size_t(T * dim)); // o_proj / down_proj output
  std::vector<float> gate(size_t(T * ffn)), up(size_t(T * ffn));

  ref::embed(embedding_.data(), vocab, dim, tokens.data(), T, x.data());
  for (int64_t li = 0; li < config_.numLayers; ++li) {
    const Layer &l = layers_[size_t(li)];
    // Attention block.
    ref::rmsNorm(x.data(), l.attnNorm.data(), T, dim, eps, h.data());
    ref::linear(h.data(), l.wq.data(), T, dim, qDim, q.data(), pool);
    ref::linear(h.data(), l.wk.data(), T, dim, kvDim, k.data(), pool);
    ref::linear(h.data(), l.wv.data(), T, dim, kvDim, v.data(), pool);
    ref::rope(q.data(), positions.data(), T, H, hd, inverseFrequencies_,
              config_.ropeStyle);
    ref::rope(k.data(), positions.data(), T, kvH, hd, inverseFrequencies_,
              config_.ropeStyle);
    // Every token's keys go in before any query reads them: a prompt chunk
    // attends to itself causally.
    for (int64_t t = 0; t < T; ++t)
      cache.write(li, positions[size_t(t)], k.data() + t * kvDim,
                  v.data() + t * kvDim);
    ref::attention(q.data(), cache, li, positions.data(), T, H, scale,
                   attn.data(), pool);
    ref::linear(attn.data(), l.wo.data(), T, qDim, dim, proj.data(), pool);
    ref::add(x.data(), proj.data(), T * dim, x.data());

    // Feed-forward block.
    ref::rmsNorm(x.data(), l.ffnNorm.data(), T, dim, eps, h.data());
    ref::linear(h.data(), l.wGate.data(), T, dim, ffn, gate.data(), pool);
    ref::linear(h.data(), l.wUp.data(), T, dim, ffn, up.data(), pool);
    ref::swiglu(gate.data(), up.data(), T * ffn, gate.data());
    ref::linear(gate.data(), l.wDown.data(), T, ffn, dim, proj.data(), pool);
    ref::add(x.data(), proj.data(), T * dim, x.data());
  }

  // Only the rows asked for go through the (vocab-sized) classifier.
  const int64_t rows = which == LogitsFor::AllTokens ? T : 1;
  const float *last = x.data() + (T - rows) * dim;
  ref::rmsNorm(last, finalNorm_.data(), rows, dim, eps, h.data());
  const std::vector<float> &classifier = lmHead_.empty() ? embedding_ : lmHead_;
  std::vector<float> logits(size_t(rows * vocab));
  ref::linear(h.data(), classifier.data(), rows, dim, vocab, logits.data(),
              pool);
  return logits;
}

} // namespace llmc
