//===- LLMOps.td - ops of the llm dialect ----------------------------------===//
//
// The graph-level ops of a LLaMA-family decoder. Every activation is a
// `tensor<TxDxf32>` whose token count T may be dynamic and whose model dim D
// is static; weights are `llm.weight` symbols; the KV cache flows as an SSA
// value. Verifiers live in LLMOps.cpp (shapes and attribute ranges) and
// LLMSymbolUses.cpp (the weights an op names).
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_LLM_OPS_TD
#define LLMC_DIALECT_LLM_OPS_TD

include "dialects/LLM/IR/LLMDialect.td"
include "dialects/LLM/IR/LLMAttrs.td"
include "dialects/LLM/IR/LLMTypes.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

// [tokens, dim] f32 activations; the verifiers require a static `dim`.
def LLM_Activation : TensorRankOf<[F32], [2]>;
// [tokens] i32 token ids or positions.
def LLM_TokenVector : TensorRankOf<[I32], [1]>;

//===----------------------------------------------------------------------===//
// llm.weight
//===----------------------------------------------------------------------===//

def LLM_WeightOp : LLM_Op<"weight", [Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "declares a named weight tensor of the model";
  let description = [{
    Declares one weight tensor of the model at module level. Ops refer to it
    by symbol name; the name is the Hugging Face parameter name. The tensor
    type must have a static shape and a `bf16`, `f16` or `f32` element type.
    Where the values come from (a checkpoint, synthetic data) is not part of
    the IR.

    A derived weight (made by the fusion passes) carries a `derivation`
    attribute that says how it is built from other, non-derived weights of
    the module, e.g. `#llm.concat<[@q, @k, @v]>`; its sources must exist,
    have its element type, and their shapes must add up to its shape.

    Example:

    ```mlir
    llm.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<288x288xbf16>
    llm.weight @"model.layers.0.mlp.gate_up_proj.weight" : tensor<1536x288xbf16>
        = #llm.interleave_rows<[@"model.layers.0.mlp.gate_proj.weight",
                                @"model.layers.0.mlp.up_proj.weight"]>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyRankedTensor>:$type,
                       OptionalAttr<LLM_DerivedWeightAttrInterface>:$derivation);
  // The derivation comes last: an attribute followed by `: type` would read
  // as a typed attribute.
  let assemblyFormat = "$sym_name attr-dict `:` $type (`=` $derivation^)?";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::llvm::StringRef":$name,
                   "::mlir::RankedTensorType":$type,
                   CArg<"::mlir::llm::DerivedWeightAttrInterface", "{}">:$derivation), [{
      build($_builder, $_state, $_builder.getStringAttr(name),
            ::mlir::TypeAttr::get(type), derivation);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// llm.embed
//===----------------------------------------------------------------------===//

def LLM_EmbedOp : LLM_Op<"embed", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "looks up token embeddings";
  let description = [{
    Gathers one row of the embedding table `table` (a `[vocab, dim]` weight)
    per token id: `result[t, :] = table[tokens[t], :]`. Token ids outside
    `[0, vocab)` are undefined behaviour.

    Example:

    ```mlir
    %x = llm.embed %tokens table @"model.embed_tokens.weight"
        : tensor<?xi32> -> tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_TokenVector:$tokens, FlatSymbolRefAttr:$table);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $tokens `table` $table attr-dict `:` type($tokens) `->` type($result)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$tokens, "::llvm::StringRef":$tableName,
                   "int64_t":$dim)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.rms_norm
//===----------------------------------------------------------------------===//

def LLM_RMSNormOp : LLM_Op<"rms_norm", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "RMS normalization with a learned scale";
  let description = [{
    Normalizes every token row by its root mean square and scales it by the
    `[dim]` weight `weight`:
    `result[t, i] = x[t, i] / sqrt(mean_j(x[t, j]^2) + eps) * weight[i]`.
    `eps` must be positive.

    Example:

    ```mlir
    %h = llm.rms_norm %x weight @"model.layers.0.input_layernorm.weight"
        eps 1.000000e-05 : tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$weight,
                       LLM_F64Attr:$eps);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `weight` $weight `eps` $eps attr-dict `:`
    custom<SameTypes>(type($x), type($result))
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::llvm::StringRef":$weightName,
                   "double":$eps)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.linear
//===----------------------------------------------------------------------===//

def LLM_LinearOp : LLM_Op<"linear", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "matrix product with a weight in nn.Linear layout";
  let description = [{
    Multiplies every token row by the transpose of the `[out, in]` weight
    `weight` (PyTorch `nn.Linear` layout), plus the `[out]` weight `bias`
    when given (Qwen2's q/k/v projections):
    `result[t, o] = sum_i x[t, i] * weight[o, i] (+ bias[o])`.

    Example:

    ```mlir
    %q = llm.linear %h weight @"model.layers.0.self_attn.q_proj.weight"
        : tensor<?x288xf32> -> tensor<?x288xf32>
    %k = llm.linear %h weight @"model.layers.0.self_attn.k_proj.weight"
        bias @"model.layers.0.self_attn.k_proj.bias"
        : tensor<?x288xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$weight,
                       OptionalAttr<FlatSymbolRefAttr>:$bias);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `weight` $weight (`bias` $bias^)? attr-dict `:` type($x) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::llvm::StringRef":$weightName,
                   "int64_t":$outDim,
                   CArg<"::llvm::StringRef", "{}">:$biasName)>
  ];
  let extraClassDeclaration = [{
    /// Input features K (the weight is [out, in] = [N, K]).
    int64_t getInDim() { return getX().getType().getDimSize(1); }
    /// Output features N.
    int64_t getOutDim() { return getResult().getType().getDimSize(1); }
  }];
}

//===----------------------------------------------------------------------===//
// llm.head_rms_norm
//===----------------------------------------------------------------------===//

def LLM_HeadRMSNormOp : LLM_Op<"head_rms_norm", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "RMS normalization of every attention head on its own";
  let description = [{
    Splits every token row of `x` into heads of `head_dim` elements and
    normalizes each head as `llm.rms_norm` does a row, scaled by the
    `[head_dim]` weight `weight`: Qwen3's `q_norm` / `k_norm`, applied to the
    projected queries and keys before RoPE. Requires `head_dim > 0` dividing
    the dim of `x`, and `eps > 0`.

    Example:

    ```mlir
    %qn = llm.head_rms_norm %q weight @"model.layers.0.self_attn.q_norm.weight"
        head_dim 64 eps 1.000000e-06 : tensor<?x256xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$weight,
                       LLM_I64Attr:$head_dim, LLM_F64Attr:$eps);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `weight` $weight `head_dim` $head_dim `eps` $eps attr-dict `:`
    custom<SameTypes>(type($x), type($result))
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::llvm::StringRef":$weightName,
                   "int64_t":$headDim, "double":$eps)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.rope
//===----------------------------------------------------------------------===//

def LLM_RopeOp : LLM_Op<"rope", [Pure]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates each of the `num_heads` heads of `head_dim` elements of every
    token row by angles that depend on the token's position:
    pair `j` (of `head_dim / 2`) of token `t` rotates by
    `positions[t] * theta^(-2j / head_dim)`, optionally with the frequencies
    rescaled by `scaling`. `style` says which elements form pair `j`:
    `interleaved` rotates `(2j, 2j+1)` (llama2.c), `half_split` rotates
    `(j, j + head_dim/2)` (Hugging Face).

    Requires `head_dim` even, `num_heads > 0`, `theta > 0` and the last dim
    of `x` equal to `num_heads * head_dim`. Used for queries and keys alike
    (keys with `num_heads` = the number of KV heads).

    Example:

    ```mlir
    %qr = llm.rope %q, %positions num_heads 6 head_dim 48
        theta 1.000000e+04 style interleaved
        : tensor<?x288xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, LLM_TokenVector:$positions,
                       LLM_I64Attr:$num_heads, LLM_I64Attr:$head_dim,
                       LLM_F64Attr:$theta, LLM_RopeStyleAttr:$style,
                       OptionalAttr<LLM_RopeScalingAttr>:$scaling);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `,` $positions `num_heads` $num_heads `head_dim` $head_dim
    `theta` $theta `style` `` $style (`scaling` $scaling^)? attr-dict `:`
    custom<SameTypes>(type($x), type($result)) `,` type($positions)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::mlir::Value":$positions,
                   "int64_t":$numHeads, "int64_t":$headDim, "double":$theta,
                   "::mlir::llm::RopeStyle":$style,
                   CArg<"::mlir::llm::RopeScalingAttr", "{}">:$scaling)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.kv_cache_write
//===----------------------------------------------------------------------===//

def LLM_KVCacheWriteOp : LLM_Op<"kv_cache_write", [Pure]> {
  let summary = "stores keys and values of new tokens into one cache layer";
  let description = [{
    Returns `cache` with the keys `k` and values `v` of every token written
    at layer `layer`, position `positions[t]`. `k` and `v` are
    `[tokens, kv_heads * head_dim]` (keys already rotated). The result is a
    new cache value, so later reads (`llm.attention`) name the write they
    depend on; lowering updates the cache in place.

    Requires `0 <= layer < layers` of the cache type and the token dims of
    `k`, `v` and `positions` to agree where static.

    Example:

    ```mlir
    %c1 = llm.kv_cache_write %c0, %k, %v, %positions layer 0
        : !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48,
                        max_seq_len = 256, f32>,
          tensor<?x288xf32>, tensor<?x288xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins LLM_KVCacheType:$cache, LLM_Activation:$k,
                       LLM_Activation:$v, LLM_TokenVector:$positions,
                       LLM_I64Attr:$layer);
  let results = (outs LLM_KVCacheType:$result);
  let assemblyFormat = [{
    $cache `,` $k `,` $v `,` $positions `layer` $layer attr-dict `:`
    custom<SameTypes>(type($cache), type($result)) `,` type($k) `,` type($v)
    `,` type($positions)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$cache, "::mlir::Value":$k,
                   "::mlir::Value":$v, "::mlir::Value":$positions,
                   "int64_t":$layer)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.attention
//===----------------------------------------------------------------------===//

def LLM_AttentionOp : LLM_Op<"attention", [Pure]> {
  let summary = "causal grouped-query attention over the KV cache";
  let description = [{
    For every query token `t` and head `h`, attends over the keys and values
    of cache layer `layer` at positions `[0, positions[t]]` (causal):
    `softmax(scale * q_h . k_p) . v_p`, where query head `h` reads KV head
    `h / (num_heads / kv_heads)` (grouped-query attention). `q` is
    `[tokens, num_heads * head_dim]` (already rotated) and so is the result.
    With a sliding `window` (Mistral), a query at position `p` attends only
    to the positions `(p - window, p]`, as Hugging Face's sliding-window mask
    does.

    Requires `num_heads` to be a multiple of the cache's `kv_heads`,
    `0 <= layer < layers`, `scale > 0`, `window > 0` when given, and the
    token dims of `q` and `positions` to agree where static.

    Example:

    ```mlir
    %a = llm.attention %qr, %c1, %positions layer 0 num_heads 6
        scale 1.443376e-01
        : tensor<?x288xf32>, !llm.kv_cache<layers = 6, kv_heads = 6,
                                           head_dim = 48, max_seq_len = 256,
                                           f32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins LLM_Activation:$q, LLM_KVCacheType:$cache,
                       LLM_TokenVector:$positions, LLM_I64Attr:$layer,
                       LLM_I64Attr:$num_heads, LLM_F64Attr:$scale,
                       OptionalAttr<LLM_I64Attr>:$window);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $q `,` $cache `,` $positions `layer` $layer `num_heads` $num_heads
    `scale` $scale (`window` $window^)? attr-dict `:`
    custom<SameTypes>(type($q), type($result)) `,` qualified(type($cache)) `,`
    type($positions)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$q, "::mlir::Value":$cache,
                   "::mlir::Value":$positions, "int64_t":$layer,
                   "int64_t":$numHeads, "double":$scale,
                   CArg<"int64_t", "0">:$window)>
  ];
  let extraClassDeclaration = [{
    /// The sliding window, 0 when the attention is fully causal.
    int64_t getWindowOrZero() { return getWindow().value_or(0); }
    /// The cache operand's type.
    ::mlir::llm::KVCacheType getCacheType() {
      return ::llvm::cast<::mlir::llm::KVCacheType>(getCache().getType());
    }
  }];
}

//===----------------------------------------------------------------------===//
// llm.swiglu
//===----------------------------------------------------------------------===//

def LLM_SwiGLUOp : LLM_Op<"swiglu", [Pure]> {
  let summary = "SwiGLU gating: silu(gate) * up";
  let description = [{
    Elementwise `gate * sigmoid(gate) * up`, the activation of a LLaMA MLP.
    `gate`, `up` and the result have the same type.

    Example:

    ```mlir
    %s = llm.swiglu %g, %u : tensor<?x768xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$gate, LLM_Activation:$up);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $gate `,` $up attr-dict `:`
    custom<SameTypes>(type($gate), type($up), type($result))
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$gate, "::mlir::Value":$up), [{
      build($_builder, $_state, gate.getType(), gate, up);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// llm.add
//===----------------------------------------------------------------------===//

def LLM_AddOp : LLM_Op<"add", [Pure, Commutative]> {
  let summary = "elementwise sum (the residual connection)";
  let description = [{
    Elementwise `lhs + rhs`; both operands and the result have the same type.

    Example:

    ```mlir
    %r = llm.add %x, %o : tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$lhs, LLM_Activation:$rhs);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:`
    custom<SameTypes>(type($lhs), type($rhs), type($result))
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs), [{
      build($_builder, $_state, lhs.getType(), lhs, rhs);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// llm.logits
//===----------------------------------------------------------------------===//

def LLM_LogitsOp : LLM_Op<"logits", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "final RMSNorm followed by the LM head";
  let description = [{
    `result = linear(rms_norm(x, norm, eps), weight)`: the model's final
    normalization (`norm` is `[dim]`) and its output projection (`weight` is
    `[vocab, dim]`; it may be the embedding table when embeddings are tied).

    Example:

    ```mlir
    %l = llm.logits %x norm @"model.norm.weight" eps 1.000000e-05
        weight @"model.embed_tokens.weight"
        : tensor<?x288xf32> -> tensor<?x32000xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$norm,
                       LLM_F64Attr:$eps, FlatSymbolRefAttr:$weight);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `norm` $norm `eps` $eps `weight` $weight attr-dict `:`
    type($x) `->` type($result)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$x, "::llvm::StringRef":$normName,
                   "double":$eps, "::llvm::StringRef":$weightName,
                   "int64_t":$vocabSize)>
  ];
}

//===----------------------------------------------------------------------===//
// llm.sample
//===----------------------------------------------------------------------===//

def LLM_SampleOp : LLM_Op<"sample", [Pure]> {
  let summary = "picks the next token of every row of logits";
  let description = [{
    Draws one token id per logits row: `temperature == 0` is greedy
    (argmax); otherwise the logits are divided by `temperature`, restricted
    to the `top_k` largest (`0` = no limit), then to the smallest set whose
    probability reaches `top_p`, and sampled with a generator seeded by
    `seed`. Requires `temperature >= 0`, `top_k >= 0`, `0 < top_p <= 1`.

    Example:

    ```mlir
    %next = llm.sample %l temperature 8.000000e-01 top_k 40
        top_p 9.500000e-01 seed 42 : tensor<?x32000xf32> -> tensor<?xi32>
    ```
  }];
  let arguments = (ins LLM_Activation:$logits, LLM_F64Attr:$temperature,
                       LLM_I64Attr:$top_k, LLM_F64Attr:$top_p,
                       LLM_I64Attr:$seed);
  let results = (outs LLM_TokenVector:$result);
  let assemblyFormat = [{
    $logits `temperature` $temperature `top_k` $top_k `top_p` $top_p
    `seed` $seed attr-dict `:` type($logits) `->` type($result)
  }];
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$logits, "double":$temperature,
                   "int64_t":$topK, "double":$topP, "int64_t":$seed)>
  ];
}

// The ops the fusion passes produce.
include "dialects/LLM/IR/LLMFusedOps.td"

#endif // LLMC_DIALECT_LLM_OPS_TD
