// The op of the kernel dialect, kernel.launch (see KernelOps.td for its
// semantics and syntax).
#pragma once

#include "compiler/kernels/registry/LaunchSpec.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "runtime/Status.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.h.inc"

namespace mlir::kernel {

/// `op` as plain data (compiler/kernels/registry/LaunchSpec.h), its variants
/// included. Before memory planning (`planned` false) operand and result
/// bindings read as arena slices of no particular place, so the launch can
/// be checked against the kernel registry; after it (`planned` true) they
/// are an error.
llmc::StatusOr<llmc::codegen::LaunchSpec> toLaunchSpec(LaunchOp op,
                                                       bool planned);

} // namespace mlir::kernel
