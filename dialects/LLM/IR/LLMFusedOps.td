//===- LLMFusedOps.td - ops the fusion passes produce ----------------------===//
//
// The graph fusion passes (passes/) rewrite groups of llm ops into the ops
// below. Each one stands for exactly the computation of the ops it replaces,
// in the same fp32 arithmetic, and maps onto one kernel of the kernel library
// (compiler/kernels/README.md): the merged projections read derived weights
// (`#llm.concat`, `#llm.interleave_rows`), and the epilogue ops name what the
// kernel does after its GEMM. Included from LLMOps.td, whose base classes and
// type constraints it uses.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_LLM_FUSED_OPS_TD
#define LLMC_DIALECT_LLM_FUSED_OPS_TD

//===----------------------------------------------------------------------===//
// llm.split
//===----------------------------------------------------------------------===//

def LLM_SplitOp : LLM_Op<"split", [Pure]> {
  let summary = "splits the columns of an activation into several results";
  let description = [{
    Cuts every token row of `x` into consecutive column blocks, one per
    result, whose widths are the results' dims: the output of a merged
    projection over a `#llm.concat` weight is split back into the outputs of
    the projections it replaced.

    With `interleaved`, the `n` results (all of the same width) take the
    columns in turn instead: column `n * i + j` of `x` is column `i` of
    result `j`, the output layout of a projection over a
    `#llm.interleave_rows` weight.

    Requires at least two results, result dims that add up to the dim of
    `x`, and one row per row of `x`.

    Example:

    ```mlir
    %q, %k, %v = llm.split %qkv
        : tensor<?x384xf32> -> tensor<?x256xf32>, tensor<?x64xf32>,
                               tensor<?x64xf32>
    %gate, %up = llm.split %gate_up interleaved
        : tensor<?x1536xf32> -> tensor<?x768xf32>, tensor<?x768xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, UnitAttr:$interleaved);
  let results = (outs Variadic<LLM_Activation>:$results);
  let assemblyFormat = [{
    $x (`interleaved` $interleaved^)? attr-dict `:` type($x) `->`
    type($results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// llm.add_rms_norm
//===----------------------------------------------------------------------===//

def LLM_AddRMSNormOp : LLM_Op<"add_rms_norm", [Pure,
    AllTypesMatch<["residual", "x", "sum", "normed"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "residual add followed by RMS normalization of the sum";
  let description = [{
    `sum = residual + x` and `normed = rms_norm(sum, weight, eps)` (see
    `llm.add` and `llm.rms_norm`): the residual connection of a decoder block
    together with the normalization that opens the next block. `sum` is the
    residual stream carried on; `normed` feeds the block's projections. All
    four values have the same type; `weight` is `[dim]`, `eps > 0`.

    Example:

    ```mlir
    %sum, %h = llm.add_rms_norm %x, %o
        weight @"model.layers.0.post_attention_layernorm.weight"
        eps 1.000000e-05 : tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$residual, LLM_Activation:$x,
                       FlatSymbolRefAttr:$weight, LLM_F64Attr:$eps);
  let results = (outs LLM_Activation:$sum, LLM_Activation:$normed);
  let assemblyFormat = [{
    $residual `,` $x `weight` $weight `eps` $eps attr-dict `:` type($residual)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// llm.linear_add
//===----------------------------------------------------------------------===//

def LLM_LinearAddOp : LLM_Op<"linear_add", [Pure,
    AllTypesMatch<["residual", "result"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "linear projection with the residual add as its epilogue";
  let description = [{
    `result = residual + linear(x, weight)`: an output projection (o_proj or
    down_proj) whose sum with the residual stream is written by the GEMM
    itself. `x` is `[tokens, in]`, `weight` is `[out, in]`, and `residual`
    and the result are `[tokens, out]`.

    Example:

    ```mlir
    %r = llm.linear_add %a weight @"model.layers.0.self_attn.o_proj.weight"
        residual %x : tensor<?x288xf32> -> tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$weight,
                       LLM_Activation:$residual);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `weight` $weight `residual` $residual attr-dict `:` type($x) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// llm.gate_up_swiglu
//===----------------------------------------------------------------------===//

def LLM_GateUpSwiGLUOp : LLM_Op<"gate_up_swiglu", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "merged gate/up projection with SwiGLU as its epilogue";
  let description = [{
    `y = linear(x, weight)` over an interleaved gate/up weight (`[2 * ffn,
    in]`, rows `2i` = gate row `i`, `2i + 1` = up row `i`), then
    `result[t, i] = silu(y[t, 2i]) * y[t, 2i + 1]`: the first half of a
    LLaMA MLP in one GEMM whose output tile holds both operands of each
    SwiGLU product. The result is `[tokens, ffn]`.

    Example:

    ```mlir
    %m = llm.gate_up_swiglu %h weight @"model.layers.0.mlp.gate_up_proj.weight"
        : tensor<?x288xf32> -> tensor<?x768xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, FlatSymbolRefAttr:$weight);
  let results = (outs LLM_Activation:$result);
  let assemblyFormat = [{
    $x `weight` $weight attr-dict `:` type($x) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// llm.qkv_rope_cache
//===----------------------------------------------------------------------===//

def LLM_QKVRopeCacheOp : LLM_Op<"qkv_rope_cache", [Pure,
    AllTypesMatch<["cache", "updated_cache"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "QKV projection, RoPE on q and k, and the KV-cache write";
  let description = [{
    The attention block's prologue in one op:
    `[q, k, v] = linear(x, weight)` over the concatenated `[Wq; Wk; Wv]`
    weight (`(num_heads + 2 * kv_heads) * head_dim` rows, `kv_heads` and
    `head_dim` those of the cache); `q` and `k` are rotated as by `llm.rope`
    with `theta`, `style` and `scaling` (`k` with `kv_heads` heads); `k` and
    `v` are written at layer `layer` and `positions` as by
    `llm.kv_cache_write`. Returns the rotated `q`
    (`[tokens, num_heads * head_dim]`) and the updated cache.

    Two optional steps sit between the projection and RoPE, in this order:
    `bias` (the `[(num_heads + 2 * kv_heads) * head_dim]` concatenation of
    the q, k and v biases, Qwen2) is added to the projection; `q_norm` and
    `k_norm` (`[head_dim]` each, always together with `norm_eps`) normalize
    every head of q and of k as `llm.head_rms_norm` does (Qwen3).

    Requires `0 <= layer < layers`, `num_heads` a positive multiple of the
    cache's `kv_heads`, an even `head_dim`, `theta > 0`, `q_norm`, `k_norm`
    and `norm_eps > 0` all or none, and the token dims of `x`, `positions`
    and `q` to agree.

    Example:

    ```mlir
    %q, %c1 = llm.qkv_rope_cache %h, %c0, %positions
        weight @"model.layers.0.self_attn.qkv_proj.weight" layer 0
        num_heads 6 theta 1.000000e+04 style interleaved
        : tensor<?x288xf32>, !llm.kv_cache<layers = 6, kv_heads = 6,
          head_dim = 48, max_seq_len = 256, f32>, tensor<?xi32>
          -> tensor<?x288xf32>
    %q2, %c2 = llm.qkv_rope_cache %h, %c1, %positions
        weight @"model.layers.1.self_attn.qkv_proj.weight"
        bias @"model.layers.1.self_attn.qkv_proj.bias"
        q_norm @"model.layers.1.self_attn.q_norm.weight"
        k_norm @"model.layers.1.self_attn.k_norm.weight" norm_eps 1.000000e-06
        layer 1 num_heads 6 theta 1.000000e+06 style half_split
        : tensor<?x288xf32>, !llm.kv_cache<layers = 6, kv_heads = 6,
          head_dim = 48, max_seq_len = 256, f32>, tensor<?xi32>
          -> tensor<?x288xf32>
    ```
  }];
  let arguments = (ins LLM_Activation:$x, LLM_KVCacheType:$cache,
                       LLM_TokenVector:$positions, FlatSymbolRefAttr:$weight,
                       LLM_I64Attr:$layer, LLM_I64Attr:$num_heads,
                       LLM_F64Attr:$theta, LLM_RopeStyleAttr:$style,
                       OptionalAttr<LLM_RopeScalingAttr>:$scaling,
                       OptionalAttr<FlatSymbolRefAttr>:$bias,
                       OptionalAttr<FlatSymbolRefAttr>:$q_norm,
                       OptionalAttr<FlatSymbolRefAttr>:$k_norm,
                       OptionalAttr<LLM_F64Attr>:$norm_eps);
  let results = (outs LLM_Activation:$q, LLM_KVCacheType:$updated_cache);
  let assemblyFormat = [{
    $x `,` $cache `,` $positions `weight` $weight (`bias` $bias^)?
    (`q_norm` $q_norm^)? (`k_norm` $k_norm^)? (`norm_eps` $norm_eps^)?
    `layer` $layer `num_heads` $num_heads `theta` $theta `style` `` $style
    (`scaling` $scaling^)? attr-dict `:` type($x) `,` qualified(type($cache))
    `,` type($positions) `->` type($q)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The cache operand's type (its kv_heads and head_dim shape q, k, v).
    ::mlir::llm::KVCacheType getCacheType() {
      return ::llvm::cast<::mlir::llm::KVCacheType>(getCache().getType());
    }
  }];
}

#endif // LLMC_DIALECT_LLM_FUSED_OPS_TD
