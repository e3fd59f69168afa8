// Reading `kernel.launch` ops into LaunchSpecs.
#include "compiler/Codegen/KernelIrReader.h"

#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/LLM/IR/LLMDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

namespace llmc::codegen {

using namespace mlir;

namespace {

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

StatusOr<KernelArg> binding(Attribute attribute, size_t index) {
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
  for (int axis = 0; axis < 3; ++axis)
    dims[axis] = cast<StringAttr>(grid[axis]).str();
  return dims;
}

StatusOr<LaunchSpec> readLaunch(kernel::LaunchOp op) {
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
    LLMC_ASSIGN_OR_RETURN(KernelArg arg, binding(args[i], i));
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
  if (std::optional<DictionaryAttr> fewRows = op.getFewRows()) {
    // The verifier has checked the entries' kinds.
    auto few = std::make_shared<LaunchSpec>(l);
    few->kernel = l.kernel + "_few_rows";
    LLMC_ASSIGN_OR_RETURN(
        few->params,
        integers(fewRows->getAs<DictionaryAttr>("params"), "few_rows param"));
    LLMC_ASSIGN_OR_RETURN(few->grid,
                          readGrid(fewRows->getAs<ArrayAttr>("grid")));
    few->blockThreads = fewRows->getAs<IntegerAttr>("block").getInt();
    few->dynamicSharedBytes = fewRows->getAs<IntegerAttr>("smem").getInt();
    l.fewRows = std::move(few);
    l.fewRowsMaxRows = fewRows->getAs<IntegerAttr>("max_rows").getInt();
  }
  return l;
}

StatusOr<PhaseSpec> readPhase(func::FuncOp function, StringRef name) {
  PhaseSpec phase;
  phase.name = name.str();
  auto maxRows = function->getAttrOfType<IntegerAttr>(kernel::kMaxRowsAttrName);
  auto arenaBytes =
      function->getAttrOfType<IntegerAttr>(kernel::kArenaBytesAttrName);
  if (!maxRows || !arenaBytes)
    return Status::error("no memory plan (" + kernel::kMaxRowsAttrName.str() +
                         ", " + kernel::kArenaBytesAttrName.str() +
                         "); run llm-plan-memory first");
  phase.maxRows = maxRows.getInt();
  phase.arenaBytes = uint64_t(arenaBytes.getInt());
  if (auto outputs =
          function->getAttrOfType<DictionaryAttr>(kernel::kOutputsAttrName))
    for (NamedAttribute output : outputs) {
      auto slice = dyn_cast<kernel::ArenaAttr>(output.getValue());
      if (!slice)
        return Status::error("output '" + output.getName().str() +
                             "' is not an arena slice");
      KernelArg arg;
      arg.kind = ArgKind::Arena;
      arg.offset = uint64_t(slice.getOffset());
      arg.bytes = uint64_t(slice.getBytes());
      phase.outputs[output.getName().str()] = arg;
    }
  Status status = Status::ok();
  function.walk([&](kernel::LaunchOp op) {
    if (!status.isOk())
      return;
    StatusOr<LaunchSpec> launch = readLaunch(op);
    if (!launch.isOk())
      status = launch.status().withContext("kernel.launch \"" +
                                           op.getKernel().str() + "\"");
    else
      phase.launches.push_back(std::move(*launch));
  });
  if (!status.isOk())
    return status;
  return phase;
}

} // namespace

StatusOr<std::vector<PhaseSpec>> readKernelPhases(ModuleOp module) {
  std::vector<PhaseSpec> phases;
  for (StringRef name : kernel::getPhaseNames())
    for (auto function : module.getOps<func::FuncOp>()) {
      auto phase = function->getAttrOfType<StringAttr>(kernel::kPhaseAttrName);
      if (!phase || phase.getValue() != name)
        continue;
      StatusOr<PhaseSpec> spec = readPhase(function, name);
      if (!spec.isOk())
        return spec.status().withContext("@" + function.getName().str());
      phases.push_back(std::move(*spec));
    }
  if (phases.empty())
    return Status::error("the module has no kernel phases (functions with " +
                         kernel::kPhaseAttrName.str() +
                         "); run the kernel pipeline first");
  return phases;
}

} // namespace llmc::codegen
