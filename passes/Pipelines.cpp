// The graph pipeline: which passes run, in which order, and why there.
#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::llm {

void buildFusionPipeline(OpPassManager &pm,
                         const FusionPipelineOptions &options) {
  // Drops dead ops first, so that an unused projection does not take part in
  // (or block) a merge below.
  pm.addPass(createCanonicalizerPass());
  // Merges q/k/v while the KV-cache write that identifies them is still a
  // separate op (fuse-epilogues folds it away).
  pm.addPass(createFuseQkvPass());
  // Merges gate/up into one interleaved projection, the operand shape that
  // the SwiGLU epilogue below needs.
  pm.addPass(createFuseGateUpPass());
  // Before the epilogues: an add that feeds a norm becomes the fused
  // add + RMSNorm kernel; only adds that feed no norm (the last one, before
  // the logits) are left for linear_add.
  pm.addNestedPass<func::FuncOp>(createFuseResidualNormPass());
  // Folds RoPE + cache write into the QKV projection, SwiGLU into gate/up,
  // and the remaining residual adds into their projections.
  pm.addNestedPass<func::FuncOp>(createFuseEpiloguesPass());
  // Last of the graph passes, so that everything above rewrites one function
  // instead of two.
  SpecializePhasePassOptions specialize;
  specialize.maxSlots = options.maxSlots;
  pm.addPass(createSpecializePhasePass(specialize));
  // TODO(#3): outline-kernels, plan-memory
}

namespace {

/// The command-line form of FusionPipelineOptions.
struct FusionPipelineCommandLine
    : PassPipelineOptions<FusionPipelineCommandLine> {
  Option<int64_t> maxSlots{
      *this, "max-slots",
      llvm::cl::desc("Rows of a decode step: the engine's static slot count"),
      llvm::cl::init(FusionPipelineOptions().maxSlots)};
};

} // namespace

void registerLLMPipelines() {
  PassPipelineRegistration<FusionPipelineCommandLine>(
      "llm-fusion-pipeline",
      "fuses the llm graph (merged projections, epilogues) and specializes "
      "it into @prefill and @decode",
      [](OpPassManager &pm, const FusionPipelineCommandLine &commandLine) {
        FusionPipelineOptions options;
        options.maxSlots = commandLine.maxSlots;
        buildFusionPipeline(pm, options);
      });
}

} // namespace mlir::llm
