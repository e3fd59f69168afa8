// llm-specialize-phase: replaces @forward by @prefill (token dim dynamic) and
// @decode (token dim = max-slots), each marked with its `llm.phase` (see
// Passes.td).
//
// Type propagation relies on the shape convention of model functions: every
// tensor is indexed by token along its leading dim (token ids, positions,
// activations, logits), so pinning the token count means replacing every
// dynamic leading dim. The verifier then checks that the ops agree with it.
#include "passes/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mlir::llm {
#define GEN_PASS_DEF_SPECIALIZEPHASEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::llm

using namespace mlir;
using namespace mlir::llm;

namespace {

/// `type` with a dynamic leading dim replaced by `tokens`; other types as is.
Type withTokenCount(Type type, int64_t tokens) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() == 0 || !tensor.isDynamicDim(0))
    return type;
  SmallVector<int64_t> shape(tensor.getShape());
  shape[0] = tokens;
  return tensor.clone(shape);
}

/// Pins the token count of `func` (signature, block arguments and every op
/// result of its body) to `tokens`.
void pinTokenCount(func::FuncOp func, int64_t tokens) {
  for (BlockArgument arg : func.getArguments())
    arg.setType(withTokenCount(arg.getType(), tokens));
  func.walk([&](Operation *op) {
    for (OpResult result : op->getResults())
      result.setType(withTokenCount(result.getType(), tokens));
  });
  SmallVector<Type> results =
      llvm::to_vector(llvm::map_range(func.getResultTypes(), [&](Type type) {
        return withTokenCount(type, tokens);
      }));
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getBody().getArgumentTypes(), results));
}

struct SpecializePhasePass
    : llm::impl::SpecializePhasePassBase<SpecializePhasePass> {
  using SpecializePhasePassBase::SpecializePhasePassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (failed(checkPreconditions(module, forward)))
      return signalPassFailure();

    OpBuilder builder(forward);
    auto clone = [&](StringRef name, StringRef phase) {
      auto func = cast<func::FuncOp>(builder.clone(*forward));
      func.setSymName(name);
      func->setAttr(kPhaseAttrName, builder.getStringAttr(phase));
      return func;
    };
    clone("prefill", "prefill");
    pinTokenCount(clone("decode", "decode"), maxSlots);
    forward.erase();
  }

  /// Emits the reason and fails when @forward cannot be specialized.
  LogicalResult checkPreconditions(ModuleOp module, func::FuncOp forward) {
    int64_t slots = maxSlots;
    if (slots <= 0)
      return module.emitError()
             << "llm-specialize-phase: max-slots must be positive, got "
             << slots;
    if (!forward)
      return module.emitError()
             << "llm-specialize-phase: the module has no func.func @forward "
                "to specialize";
    for (StringRef name : {"prefill", "decode"})
      if (module.lookupSymbol(name))
        return module.emitError()
               << "llm-specialize-phase: the module already defines @" << name;
    if (!SymbolTable::symbolKnownUseEmpty(forward, module))
      return forward.emitError()
             << "llm-specialize-phase: @forward is referenced in the module "
                "and cannot be replaced";
    if (forward.getNumArguments() == 0)
      return forward.emitError()
             << "llm-specialize-phase: @forward takes no token ids";
    Type tokens = forward.getArgumentTypes().front();
    if (getTokenDim(tokens) != ShapedType::kDynamic)
      return forward.emitError()
             << "llm-specialize-phase: @forward's token dim must be dynamic, "
                "got "
             << tokens;
    return success();
  }
};

} // namespace
