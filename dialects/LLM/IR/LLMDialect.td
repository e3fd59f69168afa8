//===- LLMDialect.td - the llm dialect and its shared constraints ---------===//
//
// The `llm` dialect is the graph-level IR of llmc: one op per layer-level step
// of a LLaMA-family decoder (embed, RMSNorm, linear, RoPE, KV-cache write,
// attention, SwiGLU, residual add, logits, sample). This file declares the
// dialect and the attribute constraints that its ops share; the types and
// attributes live in LLMTypes.td / LLMAttrs.td and the ops in LLMOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_LLM_DIALECT_TD
#define LLMC_DIALECT_LLM_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::mlir::llm";
  let summary = "Graph-level ops of a LLaMA-family decoder";
  let description = [{
    The `llm` dialect describes one forward step of a LLaMA-family decoder at
    the granularity the model is usually written in: embedding lookup,
    RMSNorm, linear projections, rotary embeddings, KV-cache writes, causal
    grouped-query attention, SwiGLU, residual adds, logits and sampling.

    Shapes carry the model dimensions statically; only the token count (dim 0
    of every activation) may be dynamic. Activations are `f32` tensors.
    Weights are module-level `llm.weight` symbols referenced by name, and the
    KV cache is an SSA value of type `!llm.kv_cache<...>` so that the order of
    cache writes and reads is explicit in the IR.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  // Checks the discardable `llm.*` attributes the dialect knows about
  // (e.g. `llm.model_name` on the module).
  let hasOperationAttrVerify = 1;
}

//===----------------------------------------------------------------------===//
// Attribute constraints with plain C++ accessors
//===----------------------------------------------------------------------===//

// A 64-bit signless integer attribute read back as a signed `int64_t`, so that
// verifiers can reject negative values instead of seeing huge unsigned ones.
def LLM_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                               "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

// A 64-bit float attribute read back as a `double`.
def LLM_F64Attr : FloatAttrBase<F64, "64-bit float attribute"> {
  let returnType = "double";
  let convertFromStorage = "$_self.getValueAsDouble()";
}

#endif // LLMC_DIALECT_LLM_DIALECT_TD
