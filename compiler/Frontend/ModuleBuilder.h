// ModuleBuilder: writes the llm-dialect module of a LLaMA-family decoder from
// its ModelConfig and the weights it will run with.
//
// The module declares one `llm.weight` per tensor (element type taken from the
// weight store, so a bf16 checkpoint yields bf16 weight symbols) and one
// function
//   func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
//                      %cache: !llm.kv_cache<...>)
//       -> (tensor<?xVOCABxf32>, !llm.kv_cache<...>)
// that runs every token through the decoder and returns the logits of each
// token and the updated cache. Prefill and decode are the same function with a
// different token count; the compiler specializes them later.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace llmc {

/// Name of the function every llm-dialect model module defines.
inline constexpr const char *kForwardFunctionName = "forward";

/// Registers every dialect an llm model module uses (llm, func) in `context`.
void loadModelDialects(mlir::MLIRContext &context);

/// Builds and verifies the module. Fails when a canonical weight is missing
/// from `weights` or has the wrong shape (see checkWeights).
StatusOr<mlir::OwningOpRef<mlir::ModuleOp>>
buildModelModule(mlir::MLIRContext &context, const ModelConfig &config,
                 const WeightStore &weights);

} // namespace llmc
