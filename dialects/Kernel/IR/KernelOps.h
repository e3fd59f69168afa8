// The op of the kernel dialect, kernel.launch (see KernelOps.td for its
// semantics and syntax).
#pragma once

#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#define GET_OP_CLASSES
#include "dialects/Kernel/IR/KernelOps.h.inc"
