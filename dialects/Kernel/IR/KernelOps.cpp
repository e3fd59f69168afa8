// kernel.launch: the verifier (bindings, tied results, launch shape), the
// check of the weights it names, and its accessors.
#include "dialects/Kernel/IR/KernelOps.h"

#include "compiler/kernels/registry/KernelRegistry.h"
#include "dialects/LLM/IR/LLMOps.h"
#include "runtime/engine/LaunchDims.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

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
/// ("variant #0 ").
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

LogicalResult LaunchOp::verifyVariants() {
  std::optional<ArrayAttr> variants = getVariants();
  if (!variants)
    return success();
  for (auto [index, attribute] : llvm::enumerate(*variants)) {
    auto variant = cast<VariantAttr>(attribute);
    std::string prefix = "variant #" + std::to_string(index) + " ";
    if (variant.getSuffix().empty() ||
        !isIdentifier(getKernel().str() + variant.getSuffix().str()))
      return emitOpError() << prefix << "suffix \"" << variant.getSuffix()
                           << "\" must extend the kernel name to another C "
                              "identifier";
    if (failed(verifyNumbers(*this, prefix + "params", variant.getParams(),
                             false)) ||
        failed(verifyLaunchShape(*this, prefix, variant.getGrid(),
                                 variant.getBlock(), variant.getSmem())))
      return failure();
    if (ArrayAttr archs = variant.getArchs())
      for (Attribute arch : archs)
        if (!isa<StringAttr>(arch) || cast<StringAttr>(arch).empty())
          return emitOpError()
                 << prefix << "archs must be arch names, got " << arch;
    if (variant.getMinRows() < 0 || variant.getMaxRows() < 0 ||
        (variant.getMaxRows() > 0 &&
         variant.getMaxRows() < variant.getMinRows()))
      return emitOpError() << prefix << "rows " << variant.getMinRows() << ".."
                           << variant.getMaxRows()
                           << ": min_rows >= 0, and max_rows 0 (no bound) or "
                              ">= min_rows";
  }
  return success();
}

LogicalResult LaunchOp::verifyAgainstRegistry() {
  llmc::StatusOr<llmc::codegen::LaunchSpec> spec =
      toLaunchSpec(*this, /*planned=*/false);
  if (!spec.isOk())
    return emitOpError() << spec.status().message();
  // The same check the code generator makes before writing a wrapper.
  std::vector<const llmc::codegen::LaunchSpec *> instances = {&*spec};
  for (const llmc::codegen::LaunchVariantSpec &variant : spec->variants)
    instances.push_back(variant.launch.get());
  for (const llmc::codegen::LaunchSpec *instance : instances) {
    llmc::StatusOr<llmc::codegen::Wrapper> wrapper =
        llmc::codegen::planWrapper(*instance);
    if (!wrapper.isOk())
      return emitOpError() << "does not match the kernel registry: "
                           << wrapper.status().message();
  }
  return success();
}

LogicalResult LaunchOp::verify() {
  if (!isIdentifier(getKernel()))
    return emitOpError() << "kernel name \"" << getKernel()
                         << "\" must be a C identifier";
  if (failed(verifyNumbers(*this, "params", getParams(), false)))
    return failure();
  if (!getEpilogue() && getEpilogueParams())
    return emitOpError() << "has epilogue_params but no epilogue";
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
      failed(verifyVariants()))
    return failure();

  if (failed(verifyTied()) || failed(verifyBindings()))
    return failure();
  return verifyAgainstRegistry();
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

//===----------------------------------------------------------------------===//
// LaunchOp as plain data
//===----------------------------------------------------------------------===//

namespace {

using namespace llmc;
using llmc::CostTerms;
using llmc::codegen::BakedConstant;
using llmc::codegen::LaunchSpec;
using llmc::codegen::LaunchVariantSpec;

std::string printed(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// The integers of a dictionary attribute by name.
StatusOr<std::map<std::string, int64_t>> integers(DictionaryAttr dictionary,
                                                  const std::string &what) {
  std::map<std::string, int64_t> values;
  if (!dictionary)
    return values;
  for (NamedAttribute entry : dictionary) {
    auto value = dyn_cast<IntegerAttr>(entry.getValue());
    if (!value)
      return Status::error(what + " '" + entry.getName().str() +
                           "' is not an integer");
    values[entry.getName().str()] = value.getInt();
  }
  return values;
}

StatusOr<KernelArg> binding(Attribute attribute, size_t index, bool planned) {
  KernelArg arg;
  Status status = Status::ok();
  llvm::TypeSwitch<Attribute>(attribute)
      .Case([&](kernel::ArenaAttr a) {
        arg.kind = ArgKind::Arena;
        arg.offset = uint64_t(a.getOffset());
        arg.bytes = uint64_t(a.getBytes());
      })
      .Case([&](kernel::WeightAttr a) {
        arg.kind = ArgKind::Weight;
        arg.name = a.getName().getValue().str();
      })
      .Case([&](kernel::KvKeysAttr a) {
        arg.kind = ArgKind::KvKeys;
        arg.layer = a.getLayer();
      })
      .Case([&](kernel::KvValuesAttr a) {
        arg.kind = ArgKind::KvValues;
        arg.layer = a.getLayer();
      })
      .Case([&](kernel::InputAttr a) {
        arg.kind = ArgKind::Input;
        arg.name = a.getName().str();
      })
      .Case([&](kernel::SlotAttr a) {
        arg.kind = ArgKind::Slot;
        arg.name = a.getName().str();
      })
      .Case([&](kernel::ConstantAttr a) {
        arg.kind = ArgKind::Constant;
        arg.name = a.getName().str();
      })
      .Case([&](kernel::ScalarAttr a) {
        arg.kind = ArgKind::Scalar;
        arg.name = a.getName().str();
      })
      .Case([&](kernel::NullAttr) { arg.kind = ArgKind::Null; })
      .Case<kernel::OperandAttr, kernel::ResultAttr>([&](Attribute) {
        // A buffer of the arena once memory is planned.
        arg.kind = ArgKind::Arena;
        if (planned)
          status = Status::error(
              "arg " + std::to_string(index) +
              " is still bound to an SSA value; the phase's memory is not "
              "planned (run llm-plan-memory first)");
      })
      .Default([&](Attribute) {
        status = Status::error("arg " + std::to_string(index) +
                               " is not a kernel binding");
      });
  if (!status.isOk())
    return status;
  return arg;
}

CostTerms costTerms(const kernel::CostTerms &terms) {
  return {terms.fixed, terms.perRow, terms.perRowContext};
}

StatusOr<std::array<std::string, 3>> readGrid(ArrayAttr grid) {
  if (grid.size() != 3)
    return Status::error("grid has " + std::to_string(grid.size()) +
                         " dimensions, not 3");
  std::array<std::string, 3> dims;
  for (int axis = 0; axis < 3; ++axis) {
    auto text = dyn_cast<StringAttr>(grid[axis]);
    if (!text)
      return Status::error("grid dimension " + std::to_string(axis) +
                           " is not a string");
    dims[axis] = text.str();
  }
  return dims;
}

StatusOr<LaunchSpec> readLaunch(kernel::LaunchOp op, bool planned) {
  LaunchSpec l;
  l.kernel = op.getKernel().str();
  l.templateName = op.getTemplate().str();
  LLMC_ASSIGN_OR_RETURN(l.params, integers(op.getParams(), "param"));
  l.epilogue = op.getEpilogue().value_or("").str();
  LLMC_ASSIGN_OR_RETURN(
      l.epilogueParams,
      integers(op.getEpilogueParams().value_or(DictionaryAttr()),
               "epilogue param"));
  if (std::optional<DictionaryAttr> constants = op.getConstants())
    for (NamedAttribute entry : *constants) {
      std::string name = entry.getName().str();
      if (auto integer = dyn_cast<IntegerAttr>(entry.getValue()))
        l.constants[name] = BakedConstant::ofInteger(integer.getInt());
      else if (auto real = dyn_cast<FloatAttr>(entry.getValue()))
        l.constants[name] = BakedConstant::ofReal(real.getValueAsDouble());
      else
        return Status::error("constant '" + name + "' is not a number");
    }
  for (Attribute fused : op.getFused())
    l.fused.push_back(cast<StringAttr>(fused).str());
  if (IntegerAttr layer = op.getLayerAttr())
    l.layer = layer.getInt();
  LLMC_ASSIGN_OR_RETURN(l.grid, readGrid(op.getGrid()));
  l.blockThreads = op.getBlockAttr().getInt();
  l.dynamicSharedBytes = op.getSmemAttr().getInt();
  ArrayAttr args = op.getArgs();
  for (size_t i = 0; i < args.size(); ++i) {
    LLMC_ASSIGN_OR_RETURN(KernelArg arg, binding(args[i], i, planned));
    l.args.push_back(std::move(arg));
  }
  l.cost.flops = costTerms(op.getCost().getFlops());
  l.cost.bytes = costTerms(op.getCost().getBytes());
  // The cache values only order the launches; the comment shows tensors.
  for (Type type : op.getOperandTypes())
    if (!isa<llm::KVCacheType>(type))
      l.operandTypes.push_back(printed(type));
  for (Type type : op.getResultTypes())
    if (!isa<llm::KVCacheType>(type))
      l.resultTypes.push_back(printed(type));
  if (std::optional<ArrayAttr> variants = op.getVariants())
    for (Attribute attribute : *variants) {
      auto variant = cast<kernel::VariantAttr>(attribute);
      auto instance = std::make_shared<LaunchSpec>(l);
      instance->variants.clear();
      instance->kernel = l.kernel + variant.getSuffix().str();
      instance->templateName = variant.getTemplateName().str();
      LLMC_ASSIGN_OR_RETURN(instance->params,
                            integers(variant.getParams(), "variant param"));
      LLMC_ASSIGN_OR_RETURN(instance->grid, readGrid(variant.getGrid()));
      instance->blockThreads = variant.getBlock();
      instance->dynamicSharedBytes = variant.getSmem();
      VariantGuard guard;
      if (ArrayAttr archs = variant.getArchs())
        for (Attribute arch : archs)
          guard.archs.push_back(cast<StringAttr>(arch).str());
      guard.minRows = variant.getMinRows();
      guard.maxRows = variant.getMaxRows();
      instance->onlyArchs = guard.archs;
      l.variants.push_back({std::move(guard), std::move(instance)});
    }
  return l;
}

} // namespace

llmc::StatusOr<LaunchSpec> mlir::kernel::toLaunchSpec(LaunchOp op,
                                                      bool planned) {
  return readLaunch(op, planned);
}
