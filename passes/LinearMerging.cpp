// Merging projections of one input: derived-weight naming and reuse, and the
// merged llm.linear + llm.split that replaces the original linears.
#include "passes/LinearMerging.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::llm {

/// The name of a weight merged from `sources`: their common prefix up to the
/// last '.', then `role`, then "_proj.weight" (or "_proj.bias") when every
/// source ends so (Hugging Face names), e.g.
/// "model.layers.0.mlp.gate_up_proj.weight".
static std::string derivedWeightName(ArrayRef<WeightOp> sources,
                                     StringRef role) {
  // Op handles are value types whose accessors are not const.
  StringRef first = WeightOp(sources.front()).getSymName();
  size_t common = first.size();
  bool weightSuffix = true, biasSuffix = true;
  for (WeightOp source : sources) {
    StringRef name = source.getSymName();
    size_t i = 0;
    while (i < common && i < name.size() && name[i] == first[i])
      ++i;
    common = i;
    weightSuffix &= name.ends_with("_proj.weight");
    biasSuffix &= name.ends_with("_proj.bias");
  }
  size_t dot = first.substr(0, common).rfind('.');
  std::string prefix =
      dot == StringRef::npos ? "" : first.substr(0, dot + 1).str();
  std::string suffix =
      weightSuffix ? "_proj.weight" : (biasSuffix ? "_proj.bias" : "");
  return prefix + role.str() + suffix;
}

/// Returns the weight with `derivation` and `type`: an existing identical
/// declaration, or a new one declared right after the last of `sources`.
static WeightOp getOrCreateDerivedWeight(SymbolTable &symbols,
                                         ArrayRef<WeightOp> sources,
                                         DerivedWeightAttrInterface derivation,
                                         RankedTensorType type,
                                         StringRef role) {
  auto module = cast<ModuleOp>(symbols.getOp());
  WeightOp last = sources.front();
  for (WeightOp weight : module.getOps<WeightOp>()) {
    if (weight.getDerivationAttr() == derivation && weight.getType() == type)
      return weight;
    if (llvm::is_contained(sources, weight))
      last = weight;
  }
  // Built detached; SymbolTable::insert places it and makes its name unique.
  OpBuilder builder(module.getContext());
  auto weight = builder.create<WeightOp>(
      builder.getFusedLoc(llvm::to_vector(
          llvm::map_range(sources, [](WeightOp w) { return w.getLoc(); }))),
      derivedWeightName(sources, role), type, derivation);
  symbols.insert(weight, std::next(last->getIterator()));
  return weight;
}

FailureOr<SplitOp> mergeLinears(RewriterBase &rewriter, SymbolTable &symbols,
                                ArrayRef<LinearOp> linears, MergeLayout layout,
                                StringRef mergedRole) {
  if (linears.size() < 2)
    return failure();
  LinearOp reference = linears.front();
  auto referenceWeight = symbols.lookup<WeightOp>(reference.getWeight());
  if (!referenceWeight)
    return failure();
  Type elementType = referenceWeight.getType().getElementType();

  // Biases merge along with the weights (as a concatenated vector): all of
  // the linears have one, or none does.
  bool biased = bool(reference.getBiasAttr());
  if (biased && layout != MergeLayout::Concat)
    return failure();

  LinearOp first = reference; // the earliest in the block
  SmallVector<WeightOp> sources, biasSources;
  SmallVector<Type> resultTypes;
  SmallVector<Location> locations;
  llvm::SmallPtrSet<Operation *, 4> distinct;
  int64_t outDim = 0;
  for (LinearOp linear : linears) {
    if (linear.getX() != reference.getX() ||
        linear->getBlock() != reference->getBlock() ||
        !distinct.insert(linear).second)
      return failure();
    auto weight = symbols.lookup<WeightOp>(linear.getWeight());
    if (!weight || weight.getDerivationAttr() ||
        weight.getType().getElementType() != elementType)
      return failure();
    if (layout == MergeLayout::InterleaveRows &&
        linear.getOutDim() != reference.getOutDim())
      return failure();
    if (bool(linear.getBiasAttr()) != biased)
      return failure();
    if (biased) {
      auto bias = symbols.lookup<WeightOp>(*linear.getBias());
      if (!bias || bias.getDerivationAttr() ||
          bias.getType().getElementType() != elementType)
        return failure();
      biasSources.push_back(bias);
    }
    if (linear->isBeforeInBlock(first))
      first = linear;
    sources.push_back(weight);
    resultTypes.push_back(linear.getType());
    locations.push_back(linear.getLoc());
    outDim += linear.getOutDim();
  }

  MLIRContext *context = rewriter.getContext();
  auto symbolArray = [&](ArrayRef<WeightOp> weights) {
    SmallVector<Attribute> names =
        llvm::to_vector(llvm::map_range(weights, [](WeightOp w) -> Attribute {
          return FlatSymbolRefAttr::get(w.getSymNameAttr());
        }));
    return ArrayAttr::get(context, names);
  };
  auto sourceArray = symbolArray(sources);
  DerivedWeightAttrInterface derivation =
      layout == MergeLayout::Concat
          ? DerivedWeightAttrInterface(ConcatAttr::get(context, sourceArray))
          : DerivedWeightAttrInterface(
                InterleaveRowsAttr::get(context, sourceArray));
  auto weightType =
      RankedTensorType::get({outDim, reference.getInDim()}, elementType);
  WeightOp merged = getOrCreateDerivedWeight(symbols, sources, derivation,
                                             weightType, mergedRole);
  StringRef mergedBiasName;
  if (biased) {
    WeightOp mergedBias = getOrCreateDerivedWeight(
        symbols, biasSources,
        ConcatAttr::get(context, symbolArray(biasSources)),
        RankedTensorType::get({outDim}, elementType), mergedRole);
    mergedBiasName = mergedBias.getSymName();
  }

  Location loc = rewriter.getFusedLoc(locations);
  rewriter.setInsertionPoint(first);
  auto mergedLinear = rewriter.create<LinearOp>(
      loc, reference.getX(), merged.getSymName(), outDim, mergedBiasName);
  auto split = rewriter.create<SplitOp>(
      loc, resultTypes, mergedLinear.getResult(),
      /*interleaved=*/layout == MergeLayout::InterleaveRows);
  for (auto [linear, result] : llvm::zip_equal(linears, split.getResults()))
    rewriter.replaceOp(linear, result);
  return split;
}

} // namespace mlir::llm
