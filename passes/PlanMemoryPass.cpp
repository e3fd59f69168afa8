// llm-plan-memory: places the tensors of a phase function in one arena and
// binds the launches' arguments to their slices (see Passes.td).
//
// The function is one block of launches in program order, so a tensor's
// lifetime is the interval from the launch that writes it to the last launch
// that reads it (or the end, for what the function returns). Results tied to
// an operand extend the operand's buffer instead of getting their own.
// ArenaPlanner.h chooses the offsets.
#include "passes/ArenaPlanner.h"
#include "passes/Passes.h"

#include "dialects/Kernel/IR/KernelOps.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::llm {
#define GEN_PASS_DEF_PLANMEMORYPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

constexpr StringLiteral kPassName = "llm-plan-memory";

/// Bytes of `type` with a dynamic row count taken as `maxRows`.
uint64_t storageBytes(RankedTensorType type, int64_t maxRows) {
  uint64_t elements = 1;
  for (int64_t dim : type.getShape())
    elements *= ShapedType::isDynamic(dim) ? maxRows : dim;
  return elements * ((type.getElementTypeBitWidth() + 7) / 8);
}

struct PlanMemoryPass : llm::impl::PlanMemoryPassBase<PlanMemoryPass> {
  using PlanMemoryPassBase::PlanMemoryPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func->hasAttr(kernel::kPhaseAttrName))
      return;
    if (failed(plan(func)))
      signalPassFailure();
  }

  LogicalResult plan(func::FuncOp func) {
    auto maxRows = func->getAttrOfType<IntegerAttr>(kernel::kMaxRowsAttrName);
    if (!maxRows)
      return func.emitError()
             << kPassName << ": @" << func.getSymName() << " has no "
             << kernel::kMaxRowsAttrName << " to size its tensors";
    if (func.getBody().getBlocks().size() != 1)
      return func.emitError() << kPassName << ": @" << func.getSymName()
                              << " must have a single block";

    // Buffers and the values that live in them.
    std::vector<llmc::ArenaBuffer> buffers;
    DenseMap<Value, unsigned> bufferOf;
    Block &body = func.getBody().front();
    int64_t step = 0;
    for (Operation &op : body) {
      // Every tensor read here keeps its buffer alive up to this step.
      for (Value operand : op.getOperands()) {
        auto it = bufferOf.find(operand);
        if (it != bufferOf.end())
          buffers[it->second].lastStep = step;
      }
      if (auto launch = dyn_cast<kernel::LaunchOp>(op))
        if (failed(
                addResults(launch, step, maxRows.getInt(), buffers, bufferOf)))
          return failure();
      ++step;
    }

    llmc::ArenaPlan plan = llmc::planArena(buffers, kernel::kArenaAlignment);
    auto sliceOf = [&](Value value) {
      unsigned buffer = bufferOf.lookup(value);
      return kernel::ArenaAttr::get(func.getContext(), plan.offsets[buffer],
                                    buffers[buffer].bytes);
    };

    for (kernel::LaunchOp launch : func.getOps<kernel::LaunchOp>()) {
      SmallVector<Attribute> args;
      for (Attribute binding : launch.getArgs()) {
        if (auto operand = dyn_cast<kernel::OperandAttr>(binding)) {
          Value value = launch.getOperand(operand.getIndex());
          if (!bufferOf.count(value))
            return launch.emitError()
                   << kPassName << ": argument " << binding
                   << " is a function argument; runtime buffers are bound "
                      "with #kernel.input";
          binding = sliceOf(value);
        } else if (auto result = dyn_cast<kernel::ResultAttr>(binding)) {
          binding = sliceOf(launch.getResult(result.getIndex()));
        }
        args.push_back(binding);
      }
      launch.setArgsAttr(ArrayAttr::get(func.getContext(), args));
    }

    Builder builder(func.getContext());
    func->setAttr(kernel::kArenaBytesAttrName,
                  builder.getI64IntegerAttr(plan.arenaBytes));
    return recordOutputs(func, sliceOf);
  }

  /// Gives the launch's tensor results their buffers: a tied result the
  /// operand's, any other a new one live from this step.
  LogicalResult addResults(kernel::LaunchOp launch, int64_t step,
                           int64_t maxRows,
                           std::vector<llmc::ArenaBuffer> &buffers,
                           DenseMap<Value, unsigned> &bufferOf) {
    for (OpResult result : launch->getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type)
        continue;
      if (Value tied = launch.getTiedOperand(result.getResultNumber())) {
        auto it = bufferOf.find(tied);
        if (it == bufferOf.end())
          return launch.emitError()
                 << kPassName << ": result #" << result.getResultNumber()
                 << " is tied to a function argument, which has no arena "
                    "slice";
        bufferOf[result] = it->second;
        continue;
      }
      bufferOf[result] = buffers.size();
      buffers.push_back({storageBytes(type, maxRows), step, step});
    }
    return success();
  }

  /// Records the returned tensor, the logits, as the phase's output.
  LogicalResult recordOutputs(func::FuncOp func,
                              function_ref<kernel::ArenaAttr(Value)> sliceOf) {
    Operation *terminator = func.getBody().front().getTerminator();
    SmallVector<NamedAttribute> outputs;
    for (Value returned : terminator->getOperands()) {
      if (!isa<RankedTensorType>(returned.getType()))
        continue;
      if (!outputs.empty())
        return func.emitError()
               << kPassName << ": @" << func.getSymName()
               << " returns more than one tensor; only the logits can be an "
                  "output";
      if (!returned.getDefiningOp<kernel::LaunchOp>())
        return func.emitError() << kPassName << ": @" << func.getSymName()
                                << " returns a tensor no launch writes";
      outputs.push_back(NamedAttribute(
          StringAttr::get(func.getContext(), "logits"), sliceOf(returned)));
    }
    if (!outputs.empty())
      func->setAttr(kernel::kOutputsAttrName,
                    DictionaryAttr::get(func.getContext(), outputs));
    return success();
  }
};

} // namespace
