//===- LLMTypes.td - types of the llm dialect ------------------------------===//
//
// `!llm.kv_cache`: the key/value cache of one model, threaded through the
// forward function as an SSA value.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_LLM_TYPES_TD
#define LLMC_DIALECT_LLM_TYPES_TD

include "dialects/LLM/IR/LLMDialect.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class LLM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<LLM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def LLM_KVCacheType : LLM_Type<"KVCache", "kv_cache"> {
  let summary = "key/value cache of every layer of one model";
  let description = [{
    The key and value cache of a whole model: for each of `layers` layers,
    `max_seq_len` positions of `kv_heads` heads of `head_dim` elements, for
    keys and for values, stored with the given element type (`f32`, `f16` or
    `bf16`). How the cache is laid out in memory (contiguous or paged) is a
    lowering decision; at this level it is a value that `llm.kv_cache_write`
    consumes and produces and `llm.attention` reads.

    Example:

    ```mlir
    !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48, max_seq_len = 256, f32>
    ```
  }];
  let parameters = (ins
    "int64_t":$numLayers,
    "int64_t":$numKvHeads,
    "int64_t":$headDim,
    "int64_t":$maxSeqLen,
    "::mlir::Type":$elementType
  );
  let assemblyFormat = [{
    `<` `layers` `=` $numLayers `,` `kv_heads` `=` $numKvHeads `,`
        `head_dim` `=` $headDim `,` `max_seq_len` `=` $maxSeqLen `,`
        $elementType `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Width of one token's keys (or values) in one layer: kv_heads * head_dim.
    int64_t getKvDim() const { return getNumKvHeads() * getHeadDim(); }
  }];
}

#endif // LLMC_DIALECT_LLM_TYPES_TD
