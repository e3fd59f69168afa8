// llm-opt: parses, verifies, transforms and prints llm-dialect modules, the
// `mlir-opt` of llmc. It knows the llm, kernel, func, arith and builtin
// dialects, MLIR's generic transformations (canonicalize, cse, symbol-dce,
// ...), the llm passes (--llm-fuse-qkv, ..., --llm-outline-kernels,
// --llm-plan-memory) and pipelines (--llm-fusion-pipeline,
// --llm-kernel-pipeline).
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::llm::LLMDialect, mlir::kernel::KernelDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect>();

  mlir::registerTransformsPasses();
  mlir::llm::registerLLMPasses();
  mlir::llm::registerLLMPipelines();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "llmc optimizer driver for the llm dialect\n", registry));
}
