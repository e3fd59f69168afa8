// Op-by-op execution of a model function over fp32 buffers, dispatching each
// llm op to its reference implementation. A fused op calls the reference
// functions of the ops it replaces on the same values in the same order, so
// it reproduces their results bit for bit.
#include "compiler/Interpreter/Interpreter.h"

#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/reference/ReferenceOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <unordered_map>

namespace llmc {

using namespace mlir;

namespace {

/// The runtime value of one SSA tensor: rows x cols of f32, or a vector of i32.
struct Buffer {
  std::vector<float> f32;
  std::vector<int32_t> i32;
  int64_t rows = 0, cols = 0;
};

/// RoPE inverse frequencies of an llm.rope or llm.qkv_rope_cache.
static std::vector<float> ropeFrequencies(int64_t headDim, double theta,
                                          llm::RopeScalingAttr attr) {
  RopeScaling scaling;
  if (attr) {
    scaling.kind = RopeScaling::Kind::Llama3;
    scaling.factor = attr.getFactor().convertToDouble();
    scaling.lowFreqFactor = attr.getLowFreqFactor().convertToDouble();
    scaling.highFreqFactor = attr.getHighFreqFactor().convertToDouble();
    scaling.originalMaxPositionEmbeddings = attr.getOriginalMaxPosition();
  }
  return ref::ropeInverseFrequencies(headDim, theta, scaling);
}

static RopeStyle ropeStyleOf(llm::RopeStyle style) {
  return style == llm::RopeStyle::Interleaved ? RopeStyle::Interleaved
                                              : RopeStyle::HalfSplit;
}

/// out[t, i] = x[t, start + i * stride] for i < width: one block (stride 1)
/// or one interleaved share (stride n) of the columns of x.
static void copyColumns(const std::vector<float> &x, int64_t rows, int64_t cols,
                        int64_t start, int64_t stride, int64_t width,
                        float *out) {
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t i = 0; i < width; ++i)
      out[t * width + i] = x[size_t(t * cols + start + i * stride)];
}

/// State of one call of a model function.
class Execution {
public:
  Execution(const std::map<std::string, std::vector<float>> &weights,
            ref::KvCache &cache, ref::ThreadPool *pool)
      : weights(weights), cache(cache), pool(pool) {}

  Status bindTokens(Value arg, const std::vector<int32_t> &ids) {
    Buffer &buf = values[key(arg)];
    buf.i32 = ids;
    buf.rows = int64_t(ids.size());
    return Status::ok();
  }

  Status run(Operation *op) {
    return llvm::TypeSwitch<Operation *, Status>(op)
        .Case<llm::EmbedOp>([&](auto op) { return embed(op); })
        .Case<llm::RMSNormOp>([&](auto op) { return rmsNorm(op); })
        .Case<llm::LinearOp>([&](auto op) { return linear(op); })
        .Case<llm::HeadRMSNormOp>([&](auto op) { return headRmsNorm(op); })
        .Case<llm::RopeOp>([&](auto op) { return rope(op); })
        .Case<llm::KVCacheWriteOp>([&](auto op) { return kvCacheWrite(op); })
        .Case<llm::AttentionOp>([&](auto op) { return attention(op); })
        .Case<llm::SwiGLUOp>([&](auto op) { return swiglu(op); })
        .Case<llm::AddOp>([&](auto op) { return add(op); })
        .Case<llm::LogitsOp>([&](auto op) { return logits(op); })
        .Case<llm::SampleOp>([&](auto op) { return sample(op); })
        .Case<llm::SplitOp>([&](auto op) { return split(op); })
        .Case<llm::AddRMSNormOp>([&](auto op) { return addRmsNorm(op); })
        .Case<llm::LinearAddOp>([&](auto op) { return linearAdd(op); })
        .Case<llm::GateUpSwiGLUOp>([&](auto op) { return gateUpSwiglu(op); })
        .Case<llm::QKVRopeCacheOp>([&](auto op) { return qkvRopeCache(op); })
        .Default([&](Operation *op) {
          return Status::error("the interpreter cannot execute '" +
                               op->getName().getStringRef().str() + "'");
        });
  }

  Buffer &operator[](Value v) { return values[key(v)]; }
  static void *key(Value v) { return v.getAsOpaquePointer(); }

private:
  const std::vector<float> &weight(StringRef name) {
    return weights.at(name.str());
  }
  Buffer &result(Value v, int64_t rows, int64_t cols) {
    Buffer &buf = values[key(v)];
    buf.rows = rows;
    buf.cols = cols;
    buf.f32.assign(size_t(rows * cols), 0.0f);
    return buf;
  }
  static int64_t cols(Value v) {
    return cast<RankedTensorType>(v.getType()).getDimSize(1);
  }

  Status embed(llm::EmbedOp op) {
    const Buffer &tokens = values[key(op.getTokens())];
    const std::vector<float> &table = weight(op.getTable());
    int64_t dim = cols(op.getResult());
    int64_t vocab = int64_t(table.size()) / dim;
    for (int32_t id : tokens.i32)
      if (id < 0 || id >= vocab)
        return Status::error("token id " + std::to_string(id) +
                             " is outside the vocabulary of " +
                             std::to_string(vocab));
    Buffer &out = result(op.getResult(), tokens.rows, dim);
    ref::embed(table.data(), vocab, dim, tokens.i32.data(), tokens.rows,
               out.f32.data());
    return Status::ok();
  }

  Status rmsNorm(llm::RMSNormOp op) {
    const Buffer &x = values[key(op.getX())];
    Buffer &out = result(op.getResult(), x.rows, x.cols);
    ref::rmsNorm(x.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                 float(op.getEps()), out.f32.data());
    return Status::ok();
  }

  Status linear(llm::LinearOp op) {
    const Buffer &x = values[key(op.getX())];
    int64_t outDim = op.getOutDim();
    Buffer &out = result(op.getResult(), x.rows, outDim);
    ref::linear(x.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                outDim, out.f32.data(), pool);
    if (std::optional<StringRef> bias = op.getBias())
      ref::addBias(out.f32.data(), weight(*bias).data(), x.rows, outDim);
    return Status::ok();
  }

  Status headRmsNorm(llm::HeadRMSNormOp op) {
    Buffer &out = values[key(op.getResult())];
    out = values[key(op.getX())];
    ref::headRmsNorm(out.f32.data(), weight(op.getWeight()).data(), out.rows,
                     out.cols / op.getHeadDim(), op.getHeadDim(),
                     float(op.getEps()));
    return Status::ok();
  }

  Status rope(llm::RopeOp op) {
    const Buffer &positions = values[key(op.getPositions())];
    Buffer &out = values[key(op.getResult())];
    out = values[key(op.getX())];
    ref::rope(
        out.f32.data(), positions.i32.data(), out.rows, op.getNumHeads(),
        op.getHeadDim(),
        ropeFrequencies(op.getHeadDim(), op.getTheta(), op.getScalingAttr()),
        ropeStyleOf(op.getStyle()));
    return Status::ok();
  }

  Status kvCacheWrite(llm::KVCacheWriteOp op) {
    const Buffer &k = values[key(op.getK())];
    const Buffer &v = values[key(op.getV())];
    const Buffer &positions = values[key(op.getPositions())];
    for (int64_t t = 0; t < k.rows; ++t)
      cache.write(op.getLayer(), positions.i32[t], &k.f32[t * k.cols],
                  &v.f32[t * v.cols]);
    return Status::ok();
  }

  Status attention(llm::AttentionOp op) {
    const Buffer &q = values[key(op.getQ())];
    const Buffer &positions = values[key(op.getPositions())];
    Buffer &out = result(op.getResult(), q.rows, q.cols);
    ref::attention(q.f32.data(), cache, op.getLayer(), positions.i32.data(),
                   q.rows, op.getNumHeads(), float(op.getScale()),
                   out.f32.data(), pool, op.getWindowOrZero());
    return Status::ok();
  }

  Status swiglu(llm::SwiGLUOp op) {
    const Buffer &gate = values[key(op.getGate())];
    const Buffer &up = values[key(op.getUp())];
    Buffer &out = result(op.getResult(), gate.rows, gate.cols);
    ref::swiglu(gate.f32.data(), up.f32.data(), gate.rows * gate.cols,
                out.f32.data());
    return Status::ok();
  }

  Status add(llm::AddOp op) {
    const Buffer &lhs = values[key(op.getLhs())];
    const Buffer &rhs = values[key(op.getRhs())];
    Buffer &out = result(op.getResult(), lhs.rows, lhs.cols);
    ref::add(lhs.f32.data(), rhs.f32.data(), lhs.rows * lhs.cols,
             out.f32.data());
    return Status::ok();
  }

  Status logits(llm::LogitsOp op) {
    const Buffer &x = values[key(op.getX())];
    std::vector<float> normed(x.f32.size());
    ref::rmsNorm(x.f32.data(), weight(op.getNorm()).data(), x.rows, x.cols,
                 float(op.getEps()), normed.data());
    int64_t vocab = cols(op.getResult());
    Buffer &out = result(op.getResult(), x.rows, vocab);
    ref::linear(normed.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                vocab, out.f32.data(), pool);
    return Status::ok();
  }

  Status sample(llm::SampleOp op) {
    const Buffer &logits = values[key(op.getLogits())];
    ref::SamplingParams params;
    params.temperature = float(op.getTemperature());
    params.topK = op.getTopK();
    params.topP = float(op.getTopP());
    params.seed = uint64_t(op.getSeed());
    Buffer &out = values[key(op.getResult())];
    out.rows = logits.rows;
    out.i32.resize(size_t(logits.rows));
    // One draw per row; the row index is the sampling counter.
    for (int64_t r = 0; r < logits.rows; ++r)
      out.i32[r] = ref::sample(&logits.f32[r * logits.cols], logits.cols,
                               params, uint64_t(r));
    return Status::ok();
  }

  //===--------------------------------------------------------------------===//
  // Ops the fusion passes produce
  //===--------------------------------------------------------------------===//

  Status split(llm::SplitOp op) {
    const Buffer &x = values[key(op.getX())];
    int64_t n = op.getNumResults(), start = 0;
    for (auto [j, r] : llvm::enumerate(op.getResults())) {
      int64_t width = cols(r);
      Buffer &out = result(r, x.rows, width);
      if (op.getInterleaved()) {
        copyColumns(x.f32, x.rows, x.cols, int64_t(j), n, width,
                    out.f32.data());
      } else {
        copyColumns(x.f32, x.rows, x.cols, start, 1, width, out.f32.data());
        start += width;
      }
    }
    return Status::ok();
  }

  // Replays llm.add, then llm.rms_norm of the sum.
  Status addRmsNorm(llm::AddRMSNormOp op) {
    const Buffer &residual = values[key(op.getResidual())];
    const Buffer &x = values[key(op.getX())];
    Buffer &sum = result(op.getSum(), x.rows, x.cols);
    ref::add(residual.f32.data(), x.f32.data(), x.rows * x.cols,
             sum.f32.data());
    Buffer &normed = result(op.getNormed(), x.rows, x.cols);
    ref::rmsNorm(sum.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                 float(op.getEps()), normed.f32.data());
    return Status::ok();
  }

  // Replays llm.linear, then llm.add of the residual and the projection.
  Status linearAdd(llm::LinearAddOp op) {
    const Buffer &x = values[key(op.getX())];
    const Buffer &residual = values[key(op.getResidual())];
    int64_t outDim = cols(op.getResult());
    std::vector<float> projected(size_t(x.rows * outDim));
    ref::linear(x.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                outDim, projected.data(), pool);
    Buffer &out = result(op.getResult(), x.rows, outDim);
    ref::add(residual.f32.data(), projected.data(), x.rows * outDim,
             out.f32.data());
    return Status::ok();
  }

  // Replays llm.linear over the interleaved weight, llm.split interleaved,
  // llm.swiglu.
  Status gateUpSwiglu(llm::GateUpSwiGLUOp op) {
    const Buffer &x = values[key(op.getX())];
    int64_t ffn = cols(op.getResult());
    std::vector<float> merged(size_t(x.rows * 2 * ffn));
    ref::linear(x.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                2 * ffn, merged.data(), pool);
    std::vector<float> gate(size_t(x.rows * ffn)), up(gate.size());
    copyColumns(merged, x.rows, 2 * ffn, 0, 2, ffn, gate.data());
    copyColumns(merged, x.rows, 2 * ffn, 1, 2, ffn, up.data());
    Buffer &out = result(op.getResult(), x.rows, ffn);
    ref::swiglu(gate.data(), up.data(), x.rows * ffn, out.f32.data());
    return Status::ok();
  }

  // Replays llm.linear over [Wq; Wk; Wv] (with the merged bias), llm.split,
  // llm.head_rms_norm of q and of k (when normed), llm.rope of q and of k,
  // llm.kv_cache_write.
  Status qkvRopeCache(llm::QKVRopeCacheOp op) {
    const Buffer &x = values[key(op.getX())];
    const Buffer &positions = values[key(op.getPositions())];
    llm::KVCacheType cacheType = op.getCacheType();
    int64_t headDim = cacheType.getHeadDim();
    int64_t qDim = op.getNumHeads() * headDim, kvDim = cacheType.getKvDim();
    int64_t total = qDim + 2 * kvDim;
    std::vector<float> merged(size_t(x.rows * total));
    ref::linear(x.f32.data(), weight(op.getWeight()).data(), x.rows, x.cols,
                total, merged.data(), pool);
    if (std::optional<StringRef> bias = op.getBias())
      ref::addBias(merged.data(), weight(*bias).data(), x.rows, total);
    Buffer &q = result(op.getQ(), x.rows, qDim);
    std::vector<float> k(size_t(x.rows * kvDim)), v(k.size());
    copyColumns(merged, x.rows, total, 0, 1, qDim, q.f32.data());
    copyColumns(merged, x.rows, total, qDim, 1, kvDim, k.data());
    copyColumns(merged, x.rows, total, qDim + kvDim, 1, kvDim, v.data());
    std::vector<float> freqs =
        ropeFrequencies(headDim, op.getTheta(), op.getScalingAttr());
    RopeStyle style = ropeStyleOf(op.getStyle());
    if (std::optional<double> eps = op.getNormEps()) {
      ref::headRmsNorm(q.f32.data(), weight(*op.getQNorm()).data(), x.rows,
                       op.getNumHeads(), headDim, float(*eps));
      ref::headRmsNorm(k.data(), weight(*op.getKNorm()).data(), x.rows,
                       cacheType.getNumKvHeads(), headDim, float(*eps));
    }
    ref::rope(q.f32.data(), positions.i32.data(), x.rows, op.getNumHeads(),
              headDim, freqs, style);
    ref::rope(k.data(), positions.i32.data(), x.rows, cacheType.getNumKvHeads(),
              headDim, freqs, style);
    for (int64_t t = 0; t < x.rows; ++t)
      cache.write(op.getLayer(), positions.i32[t], &k[t * kvDim],
                  &v[t * kvDim]);
    return Status::ok();
  }

  const std::map<std::string, std::vector<float>> &weights;
  ref::KvCache &cache;
  ref::ThreadPool *pool;
  // Keyed by the Value's opaque pointer. An unordered_map keeps references to
  // its elements valid while new results are inserted.
  std::unordered_map<void *, Buffer> values;
};

} // namespace

/// The model functions an interpreter can run, in the order create() looks
/// for them.
static constexpr const char *kModelFunctions[] = {"forward", "prefill",
                                                  "decode"};

/// Checks the signature every model function shares.
static Status checkModelSignature(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  if (type.getNumInputs() != 3 || type.getNumResults() != 2 ||
      !isa<llm::KVCacheType>(type.getInput(2)) ||
      !isa<RankedTensorType>(type.getResult(0)))
    return Status::error("@" + func.getSymName().str() +
                         " must take (tokens, positions, !llm.kv_cache) and "
                         "return (logits, !llm.kv_cache)");
  return Status::ok();
}

/// Builds the fp32 values of the derived weight `decl` from its sources' fp32
/// values (already in `weights`), row by row as its derivation says.
static StatusOr<std::vector<float>>
buildDerivedWeight(llm::WeightOp decl,
                   const std::map<std::string, std::vector<float>> &weights) {
  llm::DerivedWeightAttrInterface derivation = decl.getDerivationAttr();
  // A vector (a merged bias) is a column of one-element rows.
  int64_t columns =
      decl.getType().getRank() == 2 ? decl.getType().getDimSize(1) : 1;
  std::vector<const std::vector<float> *> sources;
  std::vector<int64_t> sourceRows;
  for (Attribute source : derivation.getSourceWeights()) {
    auto found = weights.find(cast<FlatSymbolRefAttr>(source).getValue().str());
    if (found == weights.end())
      return Status::error("derived weight '" + decl.getSymName().str() +
                           "' has a source that is not a loaded weight");
    sources.push_back(&found->second);
    sourceRows.push_back(int64_t(found->second.size()) / columns);
  }
  int64_t rows = decl.getType().getDimSize(0);
  std::vector<float> values(size_t(rows * columns));
  for (int64_t r = 0; r < rows; ++r) {
    auto [source, sourceRow] = derivation.getSourceRow(sourceRows, r);
    std::copy_n(sources[source]->data() + sourceRow * columns, columns,
                values.data() + r * columns);
  }
  return values;
}

StatusOr<Interpreter> Interpreter::create(ModuleOp module,
                                          const WeightStore &weights,
                                          unsigned numThreads) {
  Interpreter interp;
  interp.module_ = module;
  func::FuncOp first;
  for (const char *name : kModelFunctions) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func)
      continue;
    LLMC_RETURN_IF_ERROR(checkModelSignature(func));
    if (!first)
      first = func;
  }
  if (!first)
    return Status::error("the module has no model function (func.func "
                         "@forward, @prefill or @decode)");
  FunctionType type = first.getFunctionType();
  auto cache = cast<llm::KVCacheType>(type.getInput(2));
  interp.numLayers_ = cache.getNumLayers();
  interp.numKvHeads_ = cache.getNumKvHeads();
  interp.headDim_ = cache.getHeadDim();
  interp.maxSeqLen_ = cache.getMaxSeqLen();
  interp.vocabSize_ = cast<RankedTensorType>(type.getResult(0)).getDimSize(1);

  // Checkpoint weights first: derived weights are built from them (the
  // verifier guarantees that sources are never derived themselves).
  for (auto decl : module.getOps<llm::WeightOp>()) {
    if (decl.getDerivationAttr())
      continue;
    std::string name = decl.getSymName().str();
    LLMC_ASSIGN_OR_RETURN(const WeightTensor *tensor, weights.get(name));
    auto declared = cast<RankedTensorType>(decl.getType());
    if (ArrayRef<int64_t>(tensor->shape) != declared.getShape())
      return Status::error("weight '" + name +
                           "' in the store does not have the shape its "
                           "llm.weight declares");
    LLMC_ASSIGN_OR_RETURN(interp.weights_[name], weights.toFloat(name));
  }
  for (auto decl : module.getOps<llm::WeightOp>()) {
    if (decl.getDerivationAttr()) {
      LLMC_ASSIGN_OR_RETURN(interp.weights_[decl.getSymName().str()],
                            buildDerivedWeight(decl, interp.weights_));
    }
  }
  interp.pool_ = std::make_unique<ref::ThreadPool>(numThreads);
  return interp;
}

ref::KvCache Interpreter::createCache() const {
  return ref::KvCache(numLayers_, numKvHeads_, headDim_, maxSeqLen_);
}

StatusOr<std::vector<float>>
Interpreter::run(llvm::StringRef function, const std::vector<int32_t> &tokens,
                 const std::vector<int32_t> &positions, ref::KvCache &cache) {
  auto func = module_.lookupSymbol<func::FuncOp>(function);
  if (!func || !llvm::is_contained(kModelFunctions, function))
    return Status::error("the module has no model function @" + function.str());
  if (tokens.size() != positions.size() || tokens.empty())
    return Status::error("@" + function.str() +
                         " needs one position per token and at least one "
                         "token");
  int64_t staticTokens = llm::getTokenDim(func.getArgumentTypes().front());
  if (!ShapedType::isDynamic(staticTokens) &&
      int64_t(tokens.size()) != staticTokens)
    return Status::error("@" + function.str() + " takes exactly " +
                         std::to_string(staticTokens) +
                         " tokens (its token dim is static), got " +
                         std::to_string(tokens.size()));
  for (int32_t p : positions)
    if (p < 0 || p >= cache.maxSeqLen())
      return Status::error("position " + std::to_string(p) +
                           " is outside the context of " +
                           std::to_string(cache.maxSeqLen()));

  Execution exec(weights_, cache, pool_.get());
  Block &body = func.getBody().front();
  LLMC_RETURN_IF_ERROR(exec.bindTokens(body.getArgument(0), tokens));
  LLMC_RETURN_IF_ERROR(exec.bindTokens(body.getArgument(1), positions));
  for (Operation &op : body.without_terminator())
    LLMC_RETURN_IF_ERROR(exec.run(&op));
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  return std::move(exec[ret.getOperand(0)].f32);
}

StatusOr<std::vector<float>>
Interpreter::forward(const std::vector<int32_t> &tokens,
                     const std::vector<int32_t> &positions,
                     ref::KvCache &cache) {
  return run("forward", tokens, positions, cache);
}

} // namespace llmc
