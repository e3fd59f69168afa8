// llm-opt: parses, verifies, transforms and prints llm-dialect modules, the
// `mlir-opt` of llmc. It knows the llm, kernel, func, arith and builtin
// dialects, MLIR's generic transformations (canonicalize, cse, symbol-dce,
// ...), the llm passes (--llm-fuse-qkv, ..., --llm-outline-kernels,
// --llm-plan-memory) and pipelines (--llm-fusion-pipeline,
// --llm-kernel-pipeline).
//
// Before MLIR's (recursive) parser runs, the input file's nesting is bounded
// (compiler/Frontend/MlirNesting.h), so a hostile file is refused with a
// message rather than overflowing the stack. Input from stdin is not checked.
#include "compiler/Frontend/MlirNesting.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "passes/Passes.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

#include <cstring>
#include <iostream>

/// The input file among MlirOptMain's arguments: the first that is not an
/// option or the value of -o; nullptr for stdin.
static const char *inputFile(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-o") == 0) {
      ++i;
      continue;
    }
    if (argv[i][0] != '-')
      return argv[i];
  }
  return nullptr;
}

int main(int argc, char **argv) {
  if (const char *input = inputFile(argc, argv)) {
    llmc::Status nesting = llmc::checkMlirFileNesting(input);
    if (!nesting.isOk()) {
      std::cerr << "llm-opt: error: " << nesting.message() << "\n";
      return 1;
    }
  }
  mlir::DialectRegistry registry;
  registry.insert<mlir::llm::LLMDialect, mlir::kernel::KernelDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect>();

  mlir::registerTransformsPasses();
  mlir::llm::registerLLMPasses();
  mlir::llm::registerLLMPipelines();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "llmc optimizer driver for the llm dialect\n", registry));
}
