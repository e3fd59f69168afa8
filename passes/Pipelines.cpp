// The pipelines: which passes run, in which order, and why there.
#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::llm {

void buildFusionPipeline(OpPassManager &pm, const llmc::EngineShape &shape) {
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
  specialize.maxSlots = shape.maxSlots;
  pm.addPass(createSpecializePhasePass(specialize));
  // The kernel passes continue from here (buildKernelPipeline).
}

void buildKernelPipeline(OpPassManager &pm, const llmc::EngineShape &shape) {
  // Outlining maps fused ops one to one onto kernels, so it needs the graph
  // fused and split into phases first.
  buildFusionPipeline(pm, shape);
  // Turns @prefill and @decode into launches and adds @sample; from here on
  // values are storage buffers, not model math.
  OutlineKernelsPassOptions outline;
  outline.maxSlots = shape.maxSlots;
  outline.maxPrefillTokens = shape.maxPrefillTokens;
  outline.kvBlockSize = shape.kvBlockSize;
  outline.archs = shape.archs;
  pm.addPass(createOutlineKernelsPass(outline));
  // Last: it needs every launch and its bindings in their final order, and
  // the offsets it writes are what the engine's manifest records.
  pm.addNestedPass<func::FuncOp>(createPlanMemoryPass());
}

namespace {

/// The command-line form of buildFusionPipeline's options.
struct FusionPipelineCommandLine
    : PassPipelineOptions<FusionPipelineCommandLine> {
  Option<int64_t> maxSlots{
      *this, "max-slots",
      llvm::cl::desc("Rows of a decode step: the engine's static slot count"),
      llvm::cl::init(llmc::EngineShape().maxSlots)};
};

/// The command-line form of buildKernelPipeline's options.
struct KernelPipelineCommandLine
    : PassPipelineOptions<KernelPipelineCommandLine> {
  Option<int64_t> maxSlots{
      *this, "max-slots",
      llvm::cl::desc("Rows of a decode step: the engine's static slot count"),
      llvm::cl::init(llmc::EngineShape().maxSlots)};
  Option<int64_t> maxPrefillTokens{
      *this, "max-prefill-tokens",
      llvm::cl::desc("Most token rows of one prefill step"),
      llvm::cl::init(llmc::EngineShape().maxPrefillTokens)};
  Option<int64_t> kvBlockSize{
      *this, "kv-block-size",
      llvm::cl::desc("Positions per block of the paged KV cache"),
      llvm::cl::init(llmc::EngineShape().kvBlockSize)};
  ListOption<std::string> archs{
      *this, "archs",
      llvm::cl::desc("Archs the engine is compiled for (default sm_90a)")};
};

} // namespace

void registerLLMPipelines() {
  PassPipelineRegistration<FusionPipelineCommandLine>(
      "llm-fusion-pipeline",
      "fuses the llm graph (merged projections, epilogues) and specializes "
      "it into @prefill and @decode",
      [](OpPassManager &pm, const FusionPipelineCommandLine &commandLine) {
        llmc::EngineShape shape;
        shape.maxSlots = commandLine.maxSlots;
        buildFusionPipeline(pm, shape);
      });
  PassPipelineRegistration<KernelPipelineCommandLine>(
      "llm-kernel-pipeline",
      "the whole compiler pipeline: fusion, then kernel launches for "
      "@prefill, @decode and @sample over planned arenas",
      [](OpPassManager &pm, const KernelPipelineCommandLine &commandLine) {
        llmc::EngineShape shape;
        shape.maxSlots = commandLine.maxSlots;
        shape.maxPrefillTokens = commandLine.maxPrefillTokens;
        shape.kvBlockSize = commandLine.kvBlockSize;
        if (!commandLine.archs.empty())
          shape.archs.assign(commandLine.archs.begin(),
                             commandLine.archs.end());
        buildKernelPipeline(pm, shape);
      });
}

} // namespace mlir::llm
