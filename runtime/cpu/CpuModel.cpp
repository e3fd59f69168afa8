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
    if (config.qkvBias) {
      LLMC_RETURN_IF_ERROR(load(wn::bq(i), {q}, l.bq));
      LLMC_RETURN_IF_ERROR(load(wn::bk(i), {kv}, l.bk));
      LLMC_RETURN_IF_ERROR(load(wn::bv(i), {kv}, l.bv));
    }
    if (config.qkNorm) {
      LLMC_RETURN_IF_ERROR(load(wn::qNorm(i), {config.headDim}, l.qNorm));
      LLMC_RETURN_IF_ERROR(load(wn::kNorm(i), {config.headDim}, l.kNorm));
    }
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
  std::vector<float> x(size_t(T * config_.dim)); // residual stream
  ref::embed(embedding_.data(), config_.vocabSize, config_.dim, tokens.data(),
             T, x.data());
  runLayers(x.data(), T, positions.data(), {{0, T, &cache}});
  // Only the rows asked for go through the (vocab-sized) classifier.
  std::vector<int64_t> rows;
  for (int64_t t = which == LogitsFor::AllTokens ? 0 : T - 1; t < T; ++t)
    rows.push_back(t);
  return classify(x.data(), rows);
}

StatusOr<std::vector<float>>
CpuModel::forwardBatch(const std::vector<SequenceRows> &sequences) {
  std::vector<int32_t> tokens, positions;
  std::vector<Segment> segments;
  std::vector<int64_t> lastRows;
  for (size_t i = 0; i < sequences.size(); ++i) {
    const SequenceRows &s = sequences[i];
    std::vector<int32_t> own(s.tokens->size());
    for (size_t t = 0; t < own.size(); ++t)
      own[t] = s.start + int32_t(t);
    LLMC_RETURN_IF_ERROR(checkInputs(*s.tokens, own, *s.cache)
                             .withContext("sequence " + std::to_string(i)));
    segments.push_back({int64_t(tokens.size()), int64_t(own.size()), s.cache});
    tokens.insert(tokens.end(), s.tokens->begin(), s.tokens->end());
    positions.insert(positions.end(), own.begin(), own.end());
    lastRows.push_back(int64_t(tokens.size()) - 1);
  }
  const int64_t T = int64_t(tokens.size());
  if (T == 0)
    return std::vector<float>();
  std::vector<float> x(size_t(T * config_.dim));
  ref::embed(embedding_.data(), config_.vocabSize, config_.dim, tokens.data(),
             T, x.data());
  runLayers(x.data(), T, positions.data(), segments);
  return classify(x.data(), lastRows);
}

void CpuModel::runLayers(float *x, int64_t T, const int32_t *positions,
                         const std::vector<Segment> &segments) {
  const int64_t dim = config_.dim, H = config_.numHeads;
  const int64_t kvH = config_.numKvHeads, hd = config_.headDim;
  const int64_t qDim = config_.qDim(), kvDim = config_.kvDim();
  const int64_t ffn = config_.ffnDim;
  const float eps = float(config_.normEps);
  const float scale = float(1.0 / std::sqrt(double(hd)));
  ref::ThreadPool *pool = pool_.get();

  std::vector<float> h(size_t(T * dim)); // normalized input of a block
  std::vector<float> q(size_t(T * qDim)), attn(size_t(T * qDim));
  std::vector<float> k(size_t(T * kvDim)), v(size_t(T * kvDim));
  std::vector<float> proj(size_t(T * dim)); // o_proj / down_proj output
  std::vector<float> gate(size_t(T * ffn)), up(size_t(T * ffn));

  for (int64_t li = 0; li < config_.numLayers; ++li) {
    const Layer &l = layers_[size_t(li)];
    // Attention block.
    ref::rmsNorm(x, l.attnNorm.data(), T, dim, eps, h.data());
    ref::linear(h.data(), l.wq.data(), T, dim, qDim, q.data(), pool);
    ref::linear(h.data(), l.wk.data(), T, dim, kvDim, k.data(), pool);
    ref::linear(h.data(), l.wv.data(), T, dim, kvDim, v.data(), pool);
    if (!l.bq.empty()) {
      ref::addBias(q.data(), l.bq.data(), T, qDim);
      ref::addBias(k.data(), l.bk.data(), T, kvDim);
      ref::addBias(v.data(), l.bv.data(), T, kvDim);
    }
    if (!l.qNorm.empty()) {
      ref::headRmsNorm(q.data(), l.qNorm.data(), T, H, hd, eps);
      ref::headRmsNorm(k.data(), l.kNorm.data(), T, kvH, hd, eps);
    }
    ref::rope(q.data(), positions, T, H, hd, inverseFrequencies_,
              config_.ropeStyle);
    ref::rope(k.data(), positions, T, kvH, hd, inverseFrequencies_,
              config_.ropeStyle);
    for (const Segment &s : segments) {
      // Every token's keys go in before any query reads them: a prompt
      // chunk attends to itself causally.
      for (int64_t t = s.begin; t < s.begin + s.count; ++t)
        s.cache->write(li, positions[t], k.data() + t * kvDim,
                       v.data() + t * kvDim);
      ref::attention(q.data() + s.begin * qDim, *s.cache, li,
                     positions + s.begin, s.count, H, scale,
                     attn.data() + s.begin * qDim, pool, config_.slidingWindow);
    }
    ref::linear(attn.data(), l.wo.data(), T, qDim, dim, proj.data(), pool);
    ref::add(x, proj.data(), T * dim, x);

    // Feed-forward block.
    ref::rmsNorm(x, l.ffnNorm.data(), T, dim, eps, h.data());
    ref::linear(h.data(), l.wGate.data(), T, dim, ffn, gate.data(), pool);
    ref::linear(h.data(), l.wUp.data(), T, dim, ffn, up.data(), pool);
    ref::swiglu(gate.data(), up.data(), T * ffn, gate.data());
    ref::linear(gate.data(), l.wDown.data(), T, ffn, dim, proj.data(), pool);
    ref::add(x, proj.data(), T * dim, x);
  }
}

std::vector<float> CpuModel::classify(const float *x,
                                      const std::vector<int64_t> &rows) {
  const int64_t dim = config_.dim, vocab = config_.vocabSize;
  const int64_t n = int64_t(rows.size());
  std::vector<float> picked(size_t(n * dim)), h(size_t(n * dim));
  for (int64_t r = 0; r < n; ++r)
    std::copy(x + rows[size_t(r)] * dim, x + (rows[size_t(r)] + 1) * dim,
              picked.begin() + r * dim);
  ref::rmsNorm(picked.data(), finalNorm_.data(), n, dim, float(config_.normEps),
               h.data());
  const std::vector<float> &classifier = lmHead_.empty() ? embedding_ : lmHead_;
  std::vector<float> logits(size_t(n * vocab));
  ref::linear(h.data(), classifier.data(), n, dim, vocab, logits.data(),
              pool_.get());
  return logits;
}

} // namespace llmc
