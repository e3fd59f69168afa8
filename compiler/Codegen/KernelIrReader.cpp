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
    StatusOr<LaunchSpec> launch = kernel::toLaunchSpec(op, /*planned=*/true);
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
