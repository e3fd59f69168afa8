// kernel.launch: the verifier (bindings, tied results, launch shape), the
// check of the weights it names, and its accessors.
#include "dialects/Kernel/IR/KernelOps.h"

#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/engine/LaunchDims.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace mlir::kernel;

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.cpp.inc"

//===----------------------------------------------------------------------===//
// LaunchOp
//===----------------------------------------------------------------------===//

Value LaunchOp::getTiedOperand(unsigned resultIndex) {
  std::optional<ArrayRef<int64_t>> tied = getTied();
  if (!tied || resultIndex >= tied->size() || (*tied)[resultIndex] < 0)
    return {};
  return getOperand((*tied)[resultIndex]);
}

FailureOr<int64_t> LaunchOp::getParam(StringRef name) {
  auto value = dyn_cast_or_null<IntegerAttr>(getParams().get(name));
  if (!value)
    return failure();
  return value.getInt();
}

/// Fails unless `names` holds `name`, listing what it holds.
static LogicalResult verifyKnownName(LaunchOp op, StringRef what,
                                     StringRef name,
                                     ArrayRef<StringLiteral> names) {
  if (llvm::is_contained(names, name))
    return success();
  InFlightDiagnostic diagnostic = op.emitOpError() << what << " \"" << name
                                                   << "\" is not one of ";
  llvm::interleave(
      names, [&](StringRef known) { diagnostic << '"' << known << '"'; },
      [&] { diagnostic << ", "; });
  return diagnostic;
}

/// Fails unless every entry of `dictionary` (the attribute `what`) is an
/// integer, or also a float when `allowFloats`.
static LogicalResult verifyNumbers(LaunchOp op, StringRef what,
                                   DictionaryAttr dictionary,
                                   bool allowFloats) {
  for (NamedAttribute entry : dictionary) {
    Attribute value = entry.getValue();
    if (isa<IntegerAttr>(value) || (allowFloats && isa<FloatAttr>(value)))
      continue;
    return op.emitOpError()
           << what << " entry '" << entry.getName().getValue() << "' must be "
           << (allowFloats ? "a number" : "an integer") << ", got " << value;
  }
  return success();
}

/// Grid expressions the runtime can parse, a block of 1..1024 threads and
/// non-negative dynamic shared memory; `prefix` names where they sit
/// ("few_rows ").
static LogicalResult verifyLaunchShape(LaunchOp op, StringRef prefix,
                                       ArrayAttr grid, int64_t block,
                                       int64_t smem) {
  if (grid.size() != 3)
    return op.emitOpError()
           << prefix << "grid must have 3 dimensions (x, y, z), got "
           << grid.size();
  for (auto [axis, dim] : llvm::enumerate(grid)) {
    auto text = dyn_cast<StringAttr>(dim);
    if (!text)
      return op.emitOpError() << prefix << "grid dimension "
                              << "xyz"[axis] << " must be a string";
    // The runtime evaluates the same strings with the same parser.
    llmc::StatusOr<llmc::LaunchDim> parsed =
        llmc::parseLaunchDim(text.getValue().str());
    if (!parsed)
      return op.emitOpError()
             << prefix << "grid dimension "
             << "xyz"[axis] << ": " << parsed.status().message();
  }
  if (block < 1 || block > 1024)
    return op.emitOpError()
           << prefix << "block must be 1..1024 threads, got " << block;
  if (smem < 0)
    return op.emitOpError()
           << prefix << "smem must not be negative, got " << smem;
  return success();
}

LogicalResult LaunchOp::verifyFewRows() {
  std::optional<DictionaryAttr> fewRows = getFewRows();
  if (!fewRows)
    return success();
  if (getTemplate() != "GemmMma")
    return emitOpError() << "few_rows is a GemmMma tile, but the template is \""
                         << getTemplate() << "\"";
  auto integer = [&](StringRef name) -> FailureOr<int64_t> {
    auto value = fewRows->getAs<IntegerAttr>(name);
    if (!value)
      return emitOpError() << "few_rows needs an integer `" << name << "`";
    return value.getInt();
  };
  FailureOr<int64_t> maxRows = integer("max_rows");
  FailureOr<int64_t> block = integer("block");
  FailureOr<int64_t> smem = integer("smem");
  if (failed(maxRows) || failed(block) || failed(smem))
    return failure();
  if (*maxRows < 1)
    return emitOpError() << "few_rows max_rows must be positive, got "
                         << *maxRows;
  auto params = fewRows->getAs<DictionaryAttr>("params");
  if (!params)
    return emitOpError() << "few_rows needs a dictionary `params`";
  if (failed(verifyNumbers(*this, "few_rows params", params, false)))
    return failure();
  // The same template and problem: only the tile may differ.
  for (StringRef fixed : {"N", "K"})
    if (params.get(fixed) != getParams().get(fixed))
      return emitOpError() << "few_rows params must keep " << fixed
                           << " of the launch";
  auto grid = fewRows->getAs<ArrayAttr>("grid");
  if (!grid)
    return emitOpError() << "few_rows needs an array `grid`";
  return verifyLaunchShape(*this, "few_rows ", grid, *block, *smem);
}

LogicalResult LaunchOp::verify() {
  if (!isIdentifier(getKernel()))
    return emitOpError() << "kernel name \"" << getKernel()
                         << "\" must be a C identifier";
  if (failed(verifyKnownName(*this, "template", getTemplate(),
                             getTemplateNames())) ||
      failed(verifyNumbers(*this, "params", getParams(), false)))
    return failure();

  // Only the projection templates end in an epilogue, and they always do.
  bool isProjection = getTemplate() == "Gemv" || getTemplate() == "GemmMma";
  if (std::optional<StringRef> epilogue = getEpilogue()) {
    if (!isProjection)
      return emitOpError() << "template \"" << getTemplate()
                           << "\" takes no epilogue, got \"" << *epilogue
                           << "\"";
    if (failed(
            verifyKnownName(*this, "epilogue", *epilogue, getEpilogueNames())))
      return failure();
  } else if (isProjection) {
    return emitOpError() << "template \"" << getTemplate()
                         << "\" needs an epilogue";
  } else if (getEpilogueParams()) {
    return emitOpError() << "has epilogue_params but no epilogue";
  }
  if (std::optional<DictionaryAttr> params = getEpilogueParams())
    if (failed(verifyNumbers(*this, "epilogue_params", *params, false)))
      return failure();
  if (std::optional<DictionaryAttr> constants = getConstants())
    if (failed(verifyNumbers(*this, "constants", *constants, true)))
      return failure();
  if (std::optional<uint64_t> layer = getLayer(); layer && int64_t(*layer) < 0)
    return emitOpError() << "layer must not be negative, got "
                         << int64_t(*layer);

  if (failed(verifyLaunchShape(*this, "", getGrid(), getBlockAttr().getInt(),
                               getSmemAttr().getInt())) ||
      failed(verifyFewRows()))
    return failure();

  if (failed(verifyTied()))
    return failure();
  return verifyBindings();
}

LogicalResult LaunchOp::verifyTied() {
  std::optional<ArrayRef<int64_t>> tied = getTied();
  if (tied && tied->size() != getNumResults())
    return emitOpError() << "tied must have one entry per result ("
                         << getNumResults() << "), got " << tied->size();
  llvm::SmallBitVector overwritten(getNumOperands());
  for (auto [index, result] : llvm::enumerate(getResults())) {
    int64_t operand = tied ? (*tied)[index] : -1;
    if (operand < 0) {
      // There is one cache: a launch can only update it in place.
      if (isa<llm::KVCacheType>(result.getType()))
        return emitOpError() << "result #" << index
                             << " is a KV cache and must be tied to the cache "
                                "operand it updates";
      if (operand != -1)
        return emitOpError()
               << "tied entry of result #" << index
               << " must be an operand index or -1, got " << operand;
      continue;
    }
    if (operand >= getNumOperands())
      return emitOpError() << "result #" << index << " is tied to operand #"
                           << operand << ", but the launch has "
                           << getNumOperands() << " operands";
    if (getOperand(operand).getType() != result.getType())
      return emitOpError() << "result #" << index << " of type "
                           << result.getType() << " is tied to operand #"
                           << operand << " of another type "
                           << getOperand(operand).getType();
    if (overwritten.test(operand))
      return emitOpError() << "operand #" << operand
                           << " is tied to more than one result";
    overwritten.set(operand);
  }
  return success();
}

LogicalResult LaunchOp::verifyBindings() {
  // The cache the launch threads, if any: its layers bound KV bindings.
  std::optional<int64_t> cacheLayers;
  for (Value operand : getOperands())
    if (auto cache = dyn_cast<llm::KVCacheType>(operand.getType()))
      cacheLayers = cache.getNumLayers();
  auto func = (*this)->getParentOfType<FunctionOpInterface>();
  IntegerAttr arenaBytes =
      func ? func->getAttrOfType<IntegerAttr>(kArenaBytesAttrName) : nullptr;

  for (auto [position, binding] : llvm::enumerate(getArgs())) {
    auto fail = [&, position = position]() {
      return emitOpError() << "argument #" << position << " (" << binding
                           << ") ";
    };
    if (auto operand = dyn_cast<OperandAttr>(binding)) {
      if (operand.getIndex() >= getNumOperands())
        return fail() << "names operand #" << operand.getIndex()
                      << ", but the launch has " << getNumOperands()
                      << " operands";
      if (!isa<RankedTensorType>(getOperand(operand.getIndex()).getType()))
        return fail() << "must name a tensor operand";
    } else if (auto result = dyn_cast<ResultAttr>(binding)) {
      if (result.getIndex() >= getNumResults())
        return fail() << "names result #" << result.getIndex()
                      << ", but the launch has " << getNumResults()
                      << " results";
      if (!isa<RankedTensorType>(getResult(result.getIndex()).getType()))
        return fail() << "must name a tensor result";
    } else if (isa<KvKeysAttr, KvValuesAttr>(binding)) {
      int64_t layer = isa<KvKeysAttr>(binding)
                          ? cast<KvKeysAttr>(binding).getLayer()
                          : cast<KvValuesAttr>(binding).getLayer();
      if (!cacheLayers)
        return fail() << "reads the KV cache, which the launch does not take "
                         "as an operand";
      if (layer >= *cacheLayers)
        return fail() << "names layer " << layer << " of a cache with "
                      << *cacheLayers << " layers";
    } else if (auto slice = dyn_cast<ArenaAttr>(binding)) {
      if (arenaBytes && slice.getEnd() > arenaBytes.getInt())
        return fail() << "ends at byte " << slice.getEnd()
                      << ", past the function's arena of "
                      << arenaBytes.getInt() << " bytes";
    }
  }
  return success();
}

LogicalResult LaunchOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  for (Attribute binding : getArgs()) {
    auto weight = dyn_cast<WeightAttr>(binding);
    if (!weight)
      continue;
    if (!symbolTable.lookupNearestSymbolFrom<llm::WeightOp>(*this,
                                                            weight.getName()))
      return emitOpError() << "binds " << weight.getName()
                           << ", which is not an llm.weight of the module";
  }
  return success();
}
