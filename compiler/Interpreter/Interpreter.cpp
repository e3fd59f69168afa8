// Op-by-op execution of @forward over fp32 buffers, dispatching each llm op to
// its reference implementation.
#include "compiler/Interpreter/Interpreter.h"

#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/reference/ReferenceOps.h"

#include "llvm/ADT/TypeSwitch.h"

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

/// State of one call of @forward.
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
        .Case<llm::RopeOp>([&](auto op) { return rope(op); })
        .Case<llm::KVCacheWriteOp>([&](auto op) { return kvCacheWrite(op); })
        .Case<llm::AttentionOp>([&](auto op) { return attention(op); })
        .Case<llm::SwiGLUOp>([&](auto op) { return swiglu(op); })
        .Case<llm::AddOp>([&](auto op) { return add(op); })
        .Case<llm::LogitsOp>([&](auto op) { return logits(op); })
        .Case<llm::SampleOp>([&](auto op) { return sample(op); })
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
    return Status::ok();
  }

  Status rope(llm::RopeOp op) {
    const Buffer &positions = values[key(op.getPositions())];
    Buffer &out = values[key(op.getResult())];
    out = values[key(op.getX())];
    RopeScaling scaling;
    if (auto s = op.getScalingAttr()) {
      scaling.kind = RopeScaling::Kind::Llama3;
      scaling.factor = s.getFactor().convertToDouble();
      scaling.lowFreqFactor = s.getLowFreqFactor().convertToDouble();
      scaling.highFreqFactor = s.getHighFreqFactor().convertToDouble();
      scaling.originalMaxPositionEmbeddings = s.getOriginalMaxPosition();
    }
    std::vector<float> freqs =
        ref::ropeInverseFrequencies(op.getHeadDim(), op.getTheta(), scaling);
    RopeStyle style = op.getStyle() == llm::RopeStyle::Interleaved
                          ? RopeStyle::Interleaved
                          : RopeStyle::HalfSplit;
    ref::rope(out.f32.data(), positions.i32.data(), out.rows, op.getNumHeads(),
              op.getHeadDim(), freqs, style);
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
                   out.f32.data(), pool);
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

  const std::map<std::string, std::vector<float>> &weights;
  ref::KvCache &cache;
  ref::ThreadPool *pool;
  // Keyed by the Value's opaque pointer. An unordered_map keeps references to
  // its elements valid while new results are inserted.
  std::unordered_map<void *, Buffer> values;
};

} // namespace

StatusOr<Interpreter> Interpreter::create(ModuleOp module,
                                          const WeightStore &weights,
                                          unsigned numThreads) {
  Interpreter interp;
  interp.forward_ = module.lookupSymbol<func::FuncOp>("forward");
  if (!interp.forward_)
    return Status::error("the module has no func.func @forward");
  FunctionType type = interp.forward_.getFunctionType();
  if (type.getNumInputs() != 3 || type.getNumResults() != 2 ||
      !isa<llm::KVCacheType>(type.getInput(2)))
    return Status::error("@forward must take (tokens, positions, "
                         "!llm.kv_cache) and return (logits, !llm.kv_cache)");
  interp.vocabSize_ = cast<RankedTensorType>(type.getResult(0)).getDimSize(1);

  for (auto decl : module.getOps<llm::WeightOp>()) {
    std::string name = decl.getSymName().str();
    LLMC_ASSIGN_OR_RETURN(const WeightTensor *tensor, weights.get(name));
    auto declared = cast<RankedTensorType>(decl.getType());
    if (ArrayRef<int64_t>(tensor->shape) != declared.getShape())
      return Status::error("weight '" + name +
                           "' in the store does not have the shape its "
                           "llm.weight declares");
    LLMC_ASSIGN_OR_RETURN(interp.weights_[name], weights.toFloat(name));
  }
  interp.pool_ = std::make_unique<ref::ThreadPool>(numThreads);
  return interp;
}

ref::KvCache Interpreter::createCache() const {
  auto type = cast<llm::KVCacheType>(forward_.getFunctionType().getInput(2));
  return ref::KvCache(type.getNumLayers(), type.getNumKvHeads(),
                      type.getHeadDim(), type.getMaxSeqLen());
}

StatusOr<std::vector<float>>
Interpreter::forward(const std::vector<int32_t> &tokens,
                     const std::vector<int32_t> &positions,
                     ref::KvCache &cache) {
  if (tokens.size() != positions.size() || tokens.empty())
    return Status::error("forward needs one position per token and at least "
                         "one token");
  for (int32_t p : positions)
    if (p < 0 || p >= cache.maxSeqLen())
      return Status::error("position " + std::to_string(p) +
                           " is outside the context of " +
                           std::to_string(cache.maxSeqLen()));

  Execution exec(weights_, cache, pool_.get());
  Block &body = forward_.getBody().front();
  LLMC_RETURN_IF_ERROR(exec.bindTokens(body.getArgument(0), tokens));
  LLMC_RETURN_IF_ERROR(exec.bindTokens(body.getArgument(1), positions));
  for (Operation &op : body.without_terminator())
    LLMC_RETURN_IF_ERROR(exec.run(&op));
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  return std::move(exec[ret.getOperand(0)].f32);
}

} // namespace llmc
