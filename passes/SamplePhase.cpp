// @sample: the launch sequence that closes a step, drawing a token per slot
// from the logits the step left and updating the slot state (see
// SamplePhase.h).
#include "passes/SamplePhase.h"

#include "passes/LaunchBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::llm;

static constexpr StringLiteral kPassName = "llm-outline-kernels";

LogicalResult
mlir::llm::buildSampleFunction(ModuleOp module, int64_t vocab,
                               const llmc::KernelOptions &options) {
  llmc::StatusOr<llmc::KernelChoice> sampling =
      llmc::selectSampling(vocab, options);
  llmc::StatusOr<llmc::KernelChoice> logprobs =
      llmc::selectLogprobs(vocab, options);
  llmc::StatusOr<llmc::KernelChoice> slotUpdate =
      llmc::selectSlotUpdate(options);
  for (const llmc::Status &status :
       {sampling.status(), logprobs.status(), slotUpdate.status()})
    if (!status.isOk())
      return module.emitError()
             << kPassName << ": cannot sample: " << status.message();

  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  MLIRContext *context = module.getContext();
  Location loc = module.getLoc();
  auto sample = builder.create<func::FuncOp>(loc, "sample",
                                             builder.getFunctionType({}, {}));
  sample->setAttr(kernel::kPhaseAttrName, builder.getStringAttr("sample"));
  sample->setAttr(kernel::kMaxRowsAttrName,
                  builder.getI64IntegerAttr(options.maxSlots));
  builder.setInsertionPointToStart(sample.addEntryBlock());

  SmallVector<Attribute> slotArrays;
  for (StringRef name : kernel::getSlotNames())
    slotArrays.push_back(kernel::SlotAttr::get(context, name));

  // Sampling(logits, the slot arrays, slot_mask, sampled).
  LaunchRequest draw{"sample_tokens", loc};
  draw.resultTypes = {
      RankedTensorType::get({options.maxSlots}, builder.getI32Type())};
  draw.args = {kernel::InputAttr::get(context, "logits")};
  llvm::append_range(draw.args, slotArrays);
  draw.args.push_back(kernel::InputAttr::get(context, "slot_mask"));
  draw.args.push_back(kernel::ResultAttr::get(context, 0));
  kernel::LaunchOp sampled = buildLaunch(builder, *sampling, draw);

  // Logprobs(logits, the slot arrays, slot_mask, sampled, logprob_ring,
  // step_counter, ring_rows): before the update, which moves the step
  // counter that picks the ring row.
  LaunchRequest score{"sample_logprobs", loc};
  score.operands = {sampled.getResult(0)};
  score.args = {kernel::InputAttr::get(context, "logits")};
  llvm::append_range(score.args, slotArrays);
  score.args.push_back(kernel::InputAttr::get(context, "slot_mask"));
  score.args.push_back(kernel::OperandAttr::get(context, 0));
  for (StringRef name : {"logprob_ring", "step_counter"})
    score.args.push_back(kernel::InputAttr::get(context, name));
  score.args.push_back(kernel::ScalarAttr::get(context, "ring_rows"));
  buildLaunch(builder, *logprobs, score);

  // SlotUpdate(the slot arrays, sampled, slot_mask, token_ring,
  // step_counter, ring_rows).
  LaunchRequest update{"sample_slot_update", loc};
  update.operands = {sampled.getResult(0)};
  update.args = slotArrays;
  update.args.push_back(kernel::OperandAttr::get(context, 0));
  for (StringRef name : {"slot_mask", "token_ring", "step_counter"})
    update.args.push_back(kernel::InputAttr::get(context, name));
  update.args.push_back(kernel::ScalarAttr::get(context, "ring_rows"));
  buildLaunch(builder, *slotUpdate, update);
  builder.create<func::ReturnOp>(loc);
  return success();
}
