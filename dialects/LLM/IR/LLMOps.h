// Ops of the llm dialect (see LLMOps.td for their semantics and syntax).
//
// Besides the ODS-generated builders, every op that produces an activation has
// a convenience builder that computes its result type from its operands and
// the model dim it is given (e.g. LinearOp::build(b, state, x, "w", outDim)).
#pragma once

#include "dialects/LLM/IR/LLMDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/LLM/IR/LLMOps.h.inc"
