// llm-outline-kernels: rewrites @prefill and @decode into kernel.launch ops
// and adds @sample (see Passes.td).
//
// One PhaseOutliner per function walks its ops in order and, for each, asks
// KernelSelection for the template instantiation(s) and writes the launch(es)
// with their argument bindings in the kernel wrappers' parameter order
// (compiler/kernels/README.md; LaunchBuilder.h writes the op). The new values
// take storage types, so the launches are built beside the old ops and the
// old ops are erased at the end. @sample comes from SamplePhase.h, and kernel
// names are given last (KernelNaming.h), once every launch of a phase exists.
#include "passes/KernelNaming.h"
#include "passes/LaunchBuilder.h"
#include "passes/Passes.h"
#include "passes/SamplePhase.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/LLM/IR/LLMOps.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::llm {
#define GEN_PASS_DEF_OUTLINEKERNELSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;
using llmc::KernelChoice;
using llmc::ProjectionRows;

namespace {

constexpr StringLiteral kPassName = "llm-outline-kernels";

/// The RoPE settings of one qkv op, which every layer must share: the
/// engine computes one rope_inv_freq table from them.
struct RopeSettings {
  double theta;
  RopeStyle style;
  RopeScalingAttr scaling;
  bool operator==(const RopeSettings &other) const {
    return theta == other.theta && style == other.style &&
           scaling == other.scaling;
  }
};

/// Rewrites one phase function (@prefill or @decode) into launches.
class PhaseOutliner {
public:
  PhaseOutliner(func::FuncOp func, StringRef phase,
                const llmc::KernelOptions &options,
                std::optional<RopeSettings> &rope)
      : func(func), phase(phase), options(options), rope(rope),
        builder(func.getContext()), isPrefill(phase == "prefill"),
        rows(isPrefill ? ShapedType::kDynamic : options.maxSlots) {}

  LogicalResult run();

private:
  LogicalResult checkSignature();
  LogicalResult lower(Operation *op);
  LogicalResult lowerEmbed(EmbedOp op);
  LogicalResult lowerRmsNorm(RMSNormOp op);
  LogicalResult lowerAddRmsNorm(AddRMSNormOp op);
  LogicalResult lowerLinear(LinearOp op);
  LogicalResult lowerLinearAdd(LinearAddOp op);
  LogicalResult lowerGateUpSwiGlu(GateUpSwiGLUOp op);
  LogicalResult lowerQkvRopeCache(QKVRopeCacheOp op);
  LogicalResult lowerAttention(AttentionOp op);
  LogicalResult lowerLogits(LogitsOp op);

  /// Lowers a projection of `x` by `weight` whose epilogue args come
  /// between `x, w` and the trailing row count.
  FailureOr<kernel::LaunchOp> createProjection(
      Operation *source, StringRef what, const llmc::ProjectionShape &shape,
      ProjectionRows rowsKind, Value x, FlatSymbolRefAttr weight,
      ArrayRef<Value> extraOperands, ArrayRef<Attribute> epilogueArgs,
      Type resultType, ArrayRef<Type> extraResultTypes = {},
      ArrayRef<int64_t> tied = {});

  /// A request for a launch executing `source`, named `<phase>_<what>`.
  LaunchRequest makeRequest(StringRef what, Operation *source) {
    LaunchRequest request{(phase + "_" + what).str(), source->getLoc(), source};
    request.layer = layer;
    return request;
  }
  kernel::LaunchOp createLaunch(const KernelChoice &choice,
                                const LaunchRequest &request) {
    return buildLaunch(builder, choice, request);
  }

  /// Emits `status` as the reason `op` cannot be lowered.
  LogicalResult refuse(Operation *op, const llmc::Status &status) {
    return op->emitError() << kPassName << ": cannot lower '" << op->getName()
                           << "': " << status.message();
  }

  /// The new value of an old one (a launch result or a function argument).
  Value map(Value old) { return values.lookupOrDefault(old); }
  /// bf16 [rows, width]: an activation in its storage type.
  RankedTensorType activation(int64_t width) {
    return RankedTensorType::get({rows, width}, builder.getBF16Type());
  }
  RankedTensorType slotTensor(int64_t width, Type elementType) {
    return RankedTensorType::get({options.maxSlots, width}, elementType);
  }
  /// True when nothing after `op` in the function reads `value`, so `op` may
  /// overwrite it in place.
  static bool isDeadAfter(Value value, Operation *op) {
    return llvm::all_of(value.getUsers(), [&](Operation *user) {
      return user == op || user->isBeforeInBlock(op);
    });
  }
  Attribute rowsScalar() {
    return kernel::ScalarAttr::get(builder.getContext(), "rows");
  }
  Attribute input(StringRef name) {
    return kernel::InputAttr::get(builder.getContext(), name);
  }
  Attribute operand(int64_t index) {
    return kernel::OperandAttr::get(builder.getContext(), index);
  }
  Attribute result(int64_t index) {
    return kernel::ResultAttr::get(builder.getContext(), index);
  }
  Attribute weight(FlatSymbolRefAttr name) {
    return kernel::WeightAttr::get(builder.getContext(), name);
  }

  func::FuncOp func;
  StringRef phase;
  const llmc::KernelOptions &options;
  std::optional<RopeSettings> &rope;
  OpBuilder builder;
  bool isPrefill;
  /// The token rows of every activation: dynamic in prefill, max-slots in
  /// decode.
  int64_t rows;
  IRMapping values;
  /// The decoder layer of the last attention op seen, given to the launches
  /// that follow it.
  std::optional<int64_t> layer;
};

LogicalResult PhaseOutliner::checkSignature() {
  auto fail = [&]() {
    return func.emitError()
           << kPassName << ": @" << func.getSymName()
           << " must take (token ids, positions, !llm.kv_cache), as "
              "llm-specialize-phase makes it; got "
           << func.getFunctionType();
  };
  if (func.getNumArguments() != 3 ||
      !isa<KVCacheType>(func.getArgument(2).getType()))
    return fail();
  for (unsigned i = 0; i < 2; ++i) {
    auto ids = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    if (!ids || ids.getRank() != 1 || !ids.getElementType().isInteger(32) ||
        ids.getDimSize(0) != rows)
      return fail();
  }
  if (func.getBody().getBlocks().size() != 1)
    return func.emitError() << kPassName << ": @" << func.getSymName()
                            << " must have a single block";
  return success();
}

LogicalResult PhaseOutliner::run() {
  if (failed(checkSignature()))
    return failure();
  // The cache is stored in bf16 pools whatever the model's own type.
  BlockArgument cache = func.getArgument(2);
  auto cacheType = cast<KVCacheType>(cache.getType());
  cache.setType(KVCacheType::get(
      builder.getContext(), cacheType.getNumLayers(), cacheType.getNumKvHeads(),
      cacheType.getHeadDim(), cacheType.getMaxSeqLen(), builder.getBF16Type()));

  Block &body = func.getBody().front();
  SmallVector<Operation *> lowered;
  for (Operation &op : body.without_terminator()) {
    builder.setInsertionPoint(&op);
    if (failed(lower(&op)))
      return failure();
    lowered.push_back(&op);
  }

  Operation *terminator = body.getTerminator();
  for (OpOperand &returned : terminator->getOpOperands())
    returned.set(map(returned.get()));
  for (Operation *op : llvm::reverse(lowered)) {
    op->dropAllUses();
    op->erase();
  }
  func.setFunctionType(FunctionType::get(builder.getContext(),
                                         body.getArgumentTypes(),
                                         terminator->getOperandTypes()));
  func->removeAttr(kPhaseAttrName);
  func->setAttr(kernel::kPhaseAttrName, builder.getStringAttr(phase));
  func->setAttr(kernel::kMaxRowsAttrName,
                builder.getI64IntegerAttr(isPrefill ? options.maxPrefillTokens
                                                    : options.maxSlots));
  return success();
}

LogicalResult PhaseOutliner::lower(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](EmbedOp op) { return lowerEmbed(op); })
      .Case([&](RMSNormOp op) { return lowerRmsNorm(op); })
      .Case([&](AddRMSNormOp op) { return lowerAddRmsNorm(op); })
      .Case([&](LinearOp op) { return lowerLinear(op); })
      .Case([&](LinearAddOp op) { return lowerLinearAdd(op); })
      .Case([&](GateUpSwiGLUOp op) { return lowerGateUpSwiGlu(op); })
      .Case([&](QKVRopeCacheOp op) { return lowerQkvRopeCache(op); })
      .Case([&](AttentionOp op) { return lowerAttention(op); })
      .Case([&](LogitsOp op) { return lowerLogits(op); })
      .Default([&](Operation *op) {
        return op->emitError()
               << kPassName << ": '" << op->getName()
               << "' has no kernel; the fusion pipeline "
                  "(--llm-fusion-pipeline) turns every op of a model into "
                  "ones that do";
      });
}

//===----------------------------------------------------------------------===//
// Embedding and norms
//===----------------------------------------------------------------------===//

LogicalResult PhaseOutliner::lowerEmbed(EmbedOp op) {
  // The runtime fills the tokens buffer the kernel reads.
  if (op.getTokens() != func.getArgument(0))
    return op.emitError() << kPassName
                          << ": llm.embed must read the function's token ids "
                             "(argument #0)";
  int64_t dim = op.getResult().getType().getDimSize(1);
  auto table = cast<RankedTensorType>(
      cast<WeightOp>(
          SymbolTable::lookupNearestSymbolFrom(op, op.getTableAttr()))
          .getType());
  llmc::StatusOr<KernelChoice> choice =
      llmc::selectEmbed(table.getDimSize(0), dim);
  if (!choice)
    return refuse(op, choice.status());
  LaunchRequest request = makeRequest("embed", op);
  request.operands = {func.getArgument(0)};
  request.resultTypes = {activation(dim)};
  request.args = {input("tokens"), weight(op.getTableAttr()), result(0),
                  rowsScalar()};
  values.map(op.getResult(), createLaunch(*choice, request).getResult(0));
  return success();
}

LogicalResult PhaseOutliner::lowerRmsNorm(RMSNormOp op) {
  int64_t dim = op.getX().getType().getDimSize(1);
  llmc::StatusOr<KernelChoice> choice = llmc::selectRmsNorm(dim);
  if (!choice)
    return refuse(op, choice.status());
  LaunchRequest request = makeRequest("rms_norm", op);
  request.operands = {map(op.getX())};
  request.resultTypes = {activation(dim)};
  request.args = {operand(0), weight(op.getWeightAttr()), result(0),
                  rowsScalar()};
  request.extraConstants = {{"eps", op.getEpsAttr()}};
  values.map(op.getResult(), createLaunch(*choice, request).getResult(0));
  return success();
}

LogicalResult PhaseOutliner::lowerAddRmsNorm(AddRMSNormOp op) {
  // The kernel always adds into the residual's buffer.
  if (!isDeadAfter(op.getResidual(), op))
    return op.emitError()
           << kPassName
           << ": llm.add_rms_norm updates its residual in place, but the "
              "residual is read after it";
  int64_t dim = op.getX().getType().getDimSize(1);
  llmc::StatusOr<KernelChoice> choice = llmc::selectAddRmsNorm(dim);
  if (!choice)
    return refuse(op, choice.status());
  LaunchRequest request = makeRequest("add_rms_norm", op);
  request.operands = {map(op.getResidual()), map(op.getX())};
  request.resultTypes = {activation(dim), activation(dim)};
  request.args = {operand(0), operand(1), weight(op.getWeightAttr()), result(1),
                  rowsScalar()};
  request.tied = {0, -1};
  request.extraConstants = {{"eps", op.getEpsAttr()}};
  kernel::LaunchOp launch = createLaunch(*choice, request);
  values.map(op.getSum(), launch.getResult(0));
  values.map(op.getNormed(), launch.getResult(1));
  return success();
}

//===----------------------------------------------------------------------===//
// Projections
//===----------------------------------------------------------------------===//

FailureOr<kernel::LaunchOp> PhaseOutliner::createProjection(
    Operation *source, StringRef what, const llmc::ProjectionShape &shape,
    ProjectionRows rowsKind, Value x, FlatSymbolRefAttr weightName,
    ArrayRef<Value> extraOperands, ArrayRef<Attribute> epilogueArgs,
    Type resultType, ArrayRef<Type> extraResultTypes, ArrayRef<int64_t> tied) {
  llmc::StatusOr<KernelChoice> choice =
      llmc::selectProjection(shape, rowsKind, options);
  if (!choice)
    return refuse(source, choice.status());
  LaunchRequest request = makeRequest(what, source);
  request.operands = {x};
  llvm::append_range(request.operands, extraOperands);
  request.resultTypes = {resultType};
  llvm::append_range(request.resultTypes, extraResultTypes);
  request.args = {operand(0), weight(weightName)};
  llvm::append_range(request.args, epilogueArgs);
  // Over exactly max-slots rows the wrapper bakes the row count in.
  if (rowsKind != ProjectionRows::AllSlots)
    request.args.push_back(rowsScalar());
  llvm::append_range(request.tied, tied);
  return createLaunch(*choice, request);
}

/// The rows of a projection in this phase.
static ProjectionRows phaseRows(bool isPrefill) {
  return isPrefill ? ProjectionRows::PrefillTokens
                   : ProjectionRows::DecodeSlots;
}

LogicalResult PhaseOutliner::lowerLinear(LinearOp op) {
  // Biases are fused into the QKV projection's epilogue; no other projection
  // kernel adds one.
  if (op.getBiasAttr())
    return op.emitError() << kPassName
                          << ": llm.linear with a bias has no kernel; only "
                             "the q/k/v biases are supported, fused into "
                             "llm.qkv_rope_cache by the fusion pipeline";
  llmc::ProjectionShape shape;
  shape.n = op.getOutDim();
  shape.k = op.getInDim();
  shape.epilogue = llmc::EpilogueKind::StoreBf16;
  FailureOr<kernel::LaunchOp> launch = createProjection(
      op, "linear", shape, phaseRows(isPrefill), map(op.getX()),
      op.getWeightAttr(), {}, {result(0)}, activation(shape.n));
  if (failed(launch))
    return failure();
  values.map(op.getResult(), launch->getResult(0));
  return success();
}

LogicalResult PhaseOutliner::lowerLinearAdd(LinearAddOp op) {
  llmc::ProjectionShape shape;
  shape.k = op.getX().getType().getDimSize(1);
  shape.n = op.getResult().getType().getDimSize(1);
  shape.epilogue = llmc::EpilogueKind::ResidualAdd;
  // The sum goes into the residual's buffer unless the residual is still
  // needed afterwards (the epilogue handles both).
  SmallVector<int64_t> tied;
  if (isDeadAfter(op.getResidual(), op))
    tied = {1};
  FailureOr<kernel::LaunchOp> launch = createProjection(
      op, "linear_add", shape, phaseRows(isPrefill), map(op.getX()),
      op.getWeightAttr(), {map(op.getResidual())}, {operand(1), result(0)},
      activation(shape.n), {}, tied);
  if (failed(launch))
    return failure();
  values.map(op.getResult(), launch->getResult(0));
  return success();
}

LogicalResult PhaseOutliner::lowerGateUpSwiGlu(GateUpSwiGLUOp op) {
  llmc::ProjectionShape shape;
  shape.k = op.getX().getType().getDimSize(1);
  int64_t ffn = op.getResult().getType().getDimSize(1);
  shape.n = 2 * ffn; // the interleaved gate/up rows
  shape.epilogue = llmc::EpilogueKind::SwiGlu;
  FailureOr<kernel::LaunchOp> launch = createProjection(
      op, "gate_up_swiglu", shape, phaseRows(isPrefill), map(op.getX()),
      op.getWeightAttr(), {}, {result(0)}, activation(ffn));
  if (failed(launch))
    return failure();
  values.map(op.getResult(), launch->getResult(0));
  return success();
}

LogicalResult PhaseOutliner::lowerQkvRopeCache(QKVRopeCacheOp op) {
  if (op.getPositions() != func.getArgument(1))
    return op.emitError() << kPassName
                          << ": llm.qkv_rope_cache must read the function's "
                             "positions (argument #1)";
  RopeSettings settings{op.getTheta(), op.getStyle(), op.getScalingAttr()};
  if (!rope)
    rope = settings;
  else if (!(*rope == settings))
    return op.emitError() << kPassName
                          << ": the RoPE theta, style or scaling of layer "
                          << op.getLayer()
                          << " differ from the first layer's; the engine has "
                             "one rope_inv_freq table";
  layer = op.getLayer();

  KVCacheType cache = op.getCacheType();
  llmc::ProjectionShape shape;
  shape.k = op.getX().getType().getDimSize(1);
  shape.epilogue = llmc::EpilogueKind::RopeKvWrite;
  shape.attention = {op.getNumHeads(), cache.getNumKvHeads(),
                     cache.getHeadDim(), cache.getMaxSeqLen()};
  shape.n = (op.getNumHeads() + 2 * cache.getNumKvHeads()) * cache.getHeadDim();
  shape.halfSplitRope = op.getStyle() == RopeStyle::HalfSplit;
  shape.headNorm = bool(op.getQNormAttr());
  MLIRContext *context = builder.getContext();
  auto weightOrNull = [&](FlatSymbolRefAttr name) -> Attribute {
    return name ? weight(name) : Attribute(kernel::NullAttr::get(context));
  };
  // Decode's row s is slot s: no token-to-slot map.
  Attribute tokenSlots = isPrefill ? input("token_slots")
                                   : Attribute(kernel::NullAttr::get(context));
  SmallVector<Attribute> epilogueArgs = {
      input("positions"),
      tokenSlots,
      input("block_tables"),
      kernel::ConstantAttr::get(context, "rope_inv_freq"),
      result(0),
      kernel::KvKeysAttr::get(context, op.getLayer()),
      kernel::KvValuesAttr::get(context, op.getLayer()),
      weightOrNull(op.getBiasAttr()),
      weightOrNull(op.getQNormAttr()),
      weightOrNull(op.getKNormAttr())};
  Value newCache = map(op.getCache());
  FailureOr<kernel::LaunchOp> launch = createProjection(
      op, "qkv_rope_cache", shape, phaseRows(isPrefill), map(op.getX()),
      op.getWeightAttr(), {newCache, func.getArgument(1)}, epilogueArgs,
      activation(op.getNumHeads() * cache.getHeadDim()), {newCache.getType()},
      {-1, 1});
  if (failed(launch))
    return failure();
  // What the engine's rope_inv_freq table is computed from.
  SmallVector<NamedAttribute> constants(launch->getConstantsAttr().getValue());
  constants.push_back(builder.getNamedAttr("rope_theta", op.getThetaAttr()));
  if (FloatAttr eps = op.getNormEpsAttr())
    constants.push_back(builder.getNamedAttr("norm_eps", eps));
  if (RopeScalingAttr scaling = op.getScalingAttr()) {
    constants.push_back(builder.getNamedAttr(
        "rope_scaling_factor",
        builder.getF64FloatAttr(scaling.getFactor().convertToDouble())));
    constants.push_back(builder.getNamedAttr(
        "rope_low_freq_factor",
        builder.getF64FloatAttr(scaling.getLowFreqFactor().convertToDouble())));
    constants.push_back(builder.getNamedAttr(
        "rope_high_freq_factor",
        builder.getF64FloatAttr(
            scaling.getHighFreqFactor().convertToDouble())));
    constants.push_back(builder.getNamedAttr(
        "rope_original_max_position",
        builder.getI64IntegerAttr(scaling.getOriginalMaxPosition())));
  }
  launch->setConstantsAttr(builder.getDictionaryAttr(constants));
  values.map(op.getQ(), launch->getResult(0));
  values.map(op.getUpdatedCache(), launch->getResult(1));
  return success();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult PhaseOutliner::lowerAttention(AttentionOp op) {
  KVCacheType cache = op.getCacheType();
  llmc::AttentionShape shape{op.getNumHeads(), cache.getNumKvHeads(),
                             cache.getHeadDim(), cache.getMaxSeqLen()};
  layer = op.getLayer();
  MLIRContext *context = builder.getContext();
  Attribute keys = kernel::KvKeysAttr::get(context, op.getLayer());
  Attribute cacheValues = kernel::KvValuesAttr::get(context, op.getLayer());
  Attribute null = kernel::NullAttr::get(context);
  int64_t width = shape.heads * shape.headDim;
  SmallVector<std::pair<StringRef, Attribute>> attentionConstants = {
      {"scale", op.getScaleAttr()}};
  if (IntegerAttr window = op.getWindowAttr())
    attentionConstants.push_back({"window", window});

  if (isPrefill) {
    llmc::StatusOr<KernelChoice> choice =
        llmc::selectPrefillAttention(shape, options);
    if (!choice)
      return refuse(op, choice.status());
    LaunchRequest request = makeRequest("attention", op);
    request.operands = {map(op.getQ()), map(op.getCache())};
    request.resultTypes = {activation(width)};
    request.args = {operand(0),
                    keys,
                    cacheValues,
                    input("block_tables"),
                    input("seq_slots"),
                    input("query_starts"),
                    input("start_positions"),
                    result(0)};
    request.extraConstants = attentionConstants;
    values.map(op.getResult(), createLaunch(*choice, request).getResult(0));
    return success();
  }

  llmc::StatusOr<llmc::DecodeAttentionChoice> choice =
      llmc::selectDecodeAttention(shape, options);
  if (!choice)
    return refuse(op, choice.status());
  // The partition kernel writes fp32 partial results per (slot, head,
  // partition); the reduction combines them. One parameter struct serves
  // both, so each passes null for what it does not use.
  int64_t partials = shape.heads * choice->maxPartitions;
  LaunchRequest partition = makeRequest("attention_partition", op);
  partition.operands = {map(op.getQ()), map(op.getCache())};
  partition.resultTypes = {
      slotTensor(partials * shape.headDim, builder.getF32Type()),
      slotTensor(partials, builder.getF32Type()),
      slotTensor(partials, builder.getF32Type())};
  partition.args = {
      operand(0),         keys,
      cacheValues,        input("block_tables"),
      input("positions"), kernel::SlotAttr::get(context, "finished"),
      result(0),          result(1),
      result(2),          null};
  partition.extraConstants = attentionConstants;
  kernel::LaunchOp partitionLaunch = createLaunch(choice->partition, partition);

  LaunchRequest reduce = makeRequest("attention_reduce", op);
  reduce.operands = SmallVector<Value>(partitionLaunch.getResults());
  reduce.resultTypes = {activation(width)};
  reduce.args = {null,
                 null,
                 null,
                 null,
                 input("positions"),
                 kernel::SlotAttr::get(context, "finished"),
                 operand(0),
                 operand(1),
                 operand(2),
                 result(0)};
  reduce.extraConstants = attentionConstants;
  values.map(op.getResult(), createLaunch(choice->reduce, reduce).getResult(0));
  return success();
}

//===----------------------------------------------------------------------===//
// Logits
//===----------------------------------------------------------------------===//

LogicalResult PhaseOutliner::lowerLogits(LogitsOp op) {
  int64_t dim = op.getX().getType().getDimSize(1);
  int64_t vocab = op.getResult().getType().getDimSize(1);
  std::optional<int64_t> noLayer;
  std::swap(layer, noLayer); // the head belongs to no layer

  // The final norm: in prefill only the row of each slot's last prompt
  // token (logit_rows) is normalized, into a slot-indexed buffer.
  llmc::StatusOr<KernelChoice> norm =
      isPrefill ? llmc::selectRmsNormGather(dim, options)
                : llmc::selectRmsNorm(dim);
  if (!norm)
    return refuse(op, norm.status());
  LaunchRequest request = makeRequest("logits_norm", op);
  request.operands = {map(op.getX())};
  request.resultTypes = {slotTensor(dim, builder.getBF16Type())};
  request.args =
      isPrefill ? SmallVector<Attribute>{operand(0), input("logit_rows"),
                                         weight(op.getNormAttr()), result(0)}
                : SmallVector<Attribute>{operand(0), weight(op.getNormAttr()),
                                         result(0), rowsScalar()};
  request.extraConstants = {{"eps", op.getEpsAttr()}};
  kernel::LaunchOp normLaunch = createLaunch(*norm, request);

  llmc::ProjectionShape shape;
  shape.n = vocab;
  shape.k = dim;
  shape.epilogue = llmc::EpilogueKind::StoreF32;
  FailureOr<kernel::LaunchOp> head = createProjection(
      op, "logits", shape,
      isPrefill ? ProjectionRows::AllSlots : ProjectionRows::DecodeSlots,
      normLaunch.getResult(0), op.getWeightAttr(), {}, {result(0)},
      slotTensor(vocab, builder.getF32Type()));
  if (failed(head))
    return failure();
  values.map(op.getResult(), head->getResult(0));
  return success();
}

struct OutlineKernelsPass
    : llm::impl::OutlineKernelsPassBase<OutlineKernelsPass> {
  using OutlineKernelsPassBase::OutlineKernelsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llmc::KernelOptions options;
    options.maxSlots = maxSlots;
    options.maxPrefillTokens = maxPrefillTokens;
    options.kvBlockSize = kvBlockSize;
    if (!archs.empty())
      options.archs.assign(archs.begin(), archs.end());
    if (llmc::Status status = llmc::checkKernelOptions(options); !status) {
      module.emitError() << kPassName << ": " << status.message();
      return signalPassFailure();
    }
    if (module.lookupSymbol("sample")) {
      module.emitError() << kPassName << ": the module already defines @sample";
      return signalPassFailure();
    }

    std::optional<RopeSettings> rope;
    SmallVector<func::FuncOp> phases;
    for (StringRef phase : {"prefill", "decode"}) {
      auto func = module.lookupSymbol<func::FuncOp>(phase);
      if (!func) {
        module.emitError() << kPassName << ": the module has no @" << phase
                           << "; run llm-specialize-phase first";
        return signalPassFailure();
      }
      if (failed(PhaseOutliner(func, phase, options, rope).run()))
        return signalPassFailure();
      phases.push_back(func);
    }

    // Both functions return the logits [max-slots, vocab] first.
    FunctionType decode = phases.back().getFunctionType();
    auto logits = decode.getNumResults() > 0
                      ? dyn_cast<RankedTensorType>(decode.getResult(0))
                      : RankedTensorType();
    if (!logits || logits.getRank() != 2 || !logits.getElementType().isF32()) {
      phases.back().emitError()
          << kPassName << ": @decode must return the logits first, got "
          << decode;
      return signalPassFailure();
    }
    if (failed(buildSampleFunction(module, logits.getDimSize(1), options)))
      return signalPassFailure();
    for (StringRef phase : {"prefill", "decode", "sample"})
      assignKernelNames(module.lookupSymbol<func::FuncOp>(phase));
  }
};

} // namespace
