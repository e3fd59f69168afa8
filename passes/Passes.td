//===- Passes.td - the graph passes over the llm dialect ------------------===//
//
// Every llm graph pass, one job each. They turn the module the frontend
// builds (one op per model step) into the fused form the kernel library
// executes (compiler/kernels/README.md): merged projections over derived
// weights, epilogues folded into their GEMMs, and one function per phase.
// Each pass keeps the logits the CPU interpreter computes unchanged (checked
// by PassNumericsTests); buildFusionPipeline (Pipelines.h) runs them in order.
// Then the kernel passes lower the fused graph to the kernel dialect: one
// kernel.launch per launched kernel (llm-outline-kernels), with every
// activation placed in one arena per phase (llm-plan-memory);
// buildKernelPipeline runs all of them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_PASSES_TD
#define LLMC_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseQkvPass : Pass<"llm-fuse-qkv", "::mlir::ModuleOp"> {
  let summary = "merges the q, k and v projections of a layer into one";
  let description = [{
    Finds, for every `llm.kv_cache_write`, the three `llm.linear`s of one
    attention block: k is the linear whose output the write stores (after
    `llm.rope`), v the linear whose output it stores as values, and q the
    linear whose rotated output is the query of the `llm.attention` that
    reads the written cache (q and k may pass through an
    `llm.head_rms_norm` before their rope). All three must read the same
    value. They become one linear over a derived weight
    `#llm.concat<[@q, @k, @v]>` followed by an `llm.split` into three
    results; when all three have a bias, the merged linear's bias is
    `#llm.concat` of theirs (`...qkv_proj.bias`). A group that does not
    match exactly (another input, a second candidate for q, sources of
    different element types, a bias on some of them only) is left alone.

    The derived weight is declared after its last source and named after
    the sources (`...self_attn.qkv_proj.weight` for Hugging Face names); an
    existing identical derived weight is reused.

    Before:
    ```mlir
    %q = llm.linear %h weight @"l0.q_proj.weight" : tensor<?x288xf32> -> tensor<?x288xf32>
    %k = llm.linear %h weight @"l0.k_proj.weight" : tensor<?x288xf32> -> tensor<?x96xf32>
    %v = llm.linear %h weight @"l0.v_proj.weight" : tensor<?x288xf32> -> tensor<?x96xf32>
    ```
    After:
    ```mlir
    llm.weight @"l0.qkv_proj.weight" : tensor<480x288xbf16>
        = #llm.concat<[@"l0.q_proj.weight", @"l0.k_proj.weight", @"l0.v_proj.weight"]>
    %qkv = llm.linear %h weight @"l0.qkv_proj.weight" : tensor<?x288xf32> -> tensor<?x480xf32>
    %q, %k, %v = llm.split %qkv : tensor<?x480xf32> -> tensor<?x288xf32>, tensor<?x96xf32>, tensor<?x96xf32>
    ```
  }];
  let dependentDialects = ["::mlir::llm::LLMDialect"];
}

def FuseGateUpPass : Pass<"llm-fuse-gate-up", "::mlir::ModuleOp"> {
  let summary = "merges the gate and up projections of an MLP into one";
  let description = [{
    Rewrites every `llm.swiglu` whose gate and up operands are two
    `llm.linear`s of the same input into one linear over a derived weight
    `#llm.interleave_rows<[@gate, @up]>` (rows `2i` = gate row `i`,
    `2i + 1` = up row `i`) followed by `llm.split ... interleaved`, whose two
    results feed the SwiGLU unchanged. Linears of different inputs or
    weights of different element types are left alone.

    Before:
    ```mlir
    %g = llm.linear %h weight @"l0.gate_proj.weight" : tensor<?x288xf32> -> tensor<?x768xf32>
    %u = llm.linear %h weight @"l0.up_proj.weight" : tensor<?x288xf32> -> tensor<?x768xf32>
    %s = llm.swiglu %g, %u : tensor<?x768xf32>
    ```
    After:
    ```mlir
    %gu = llm.linear %h weight @"l0.gate_up_proj.weight" : tensor<?x288xf32> -> tensor<?x1536xf32>
    %g, %u = llm.split %gu interleaved : tensor<?x1536xf32> -> tensor<?x768xf32>, tensor<?x768xf32>
    %s = llm.swiglu %g, %u : tensor<?x768xf32>
    ```
  }];
  let dependentDialects = ["::mlir::llm::LLMDialect"];
}

def FuseResidualNormPass
    : Pass<"llm-fuse-residual-norm", "::mlir::func::FuncOp"> {
  let summary = "fuses a residual add with the RMSNorm that reads its sum";
  let description = [{
    Rewrites an `llm.add` whose result feeds an `llm.rms_norm` into
    `llm.add_rms_norm`, whose two results are the sum (the residual stream,
    which keeps all its other uses) and the normalized sum. The add's lhs
    becomes the residual operand. When several norms read the sum, the first
    one in the block is fused and the others read the sum. An add that feeds
    no norm is left alone.

    Before:
    ```mlir
    %r = llm.add %x, %o : tensor<?x288xf32>
    %h = llm.rms_norm %r weight @norm eps 1.0e-5 : tensor<?x288xf32>
    ```
    After:
    ```mlir
    %r, %h = llm.add_rms_norm %x, %o weight @norm eps 1.0e-5 : tensor<?x288xf32>
    ```
  }];
  let dependentDialects = ["::mlir::llm::LLMDialect"];
}

def FuseEpiloguesPass : Pass<"llm-fuse-epilogues", "::mlir::func::FuncOp"> {
  let summary = "folds the ops that follow a GEMM into the GEMM's epilogue";
  let description = [{
    Three rewrites, each producing an op that one kernel executes:

    - merged QKV: `llm.linear` + `llm.split` into (q, k, v) + `llm.rope` of q
      + `llm.rope` of k + `llm.kv_cache_write` of (rotated k, v) becomes
      `llm.qkv_rope_cache`, returning the rotated q and the updated cache.
      The merged linear's bias, and an `llm.head_rms_norm` of q and of k
      between the split and the ropes (same eps), go into the fused op.
      Requires each intermediate value to have no other use, both ropes to
      share the write's positions, theta, style and scaling, and their heads
      to be the cache's head_dim (k with the cache's kv_heads); the users of
      the rotated q must come after the cache write.
    - merged gate/up: `llm.linear` + `llm.split ... interleaved` + `llm.swiglu`
      of the two halves (gate first) becomes `llm.gate_up_swiglu` (not when
      the linear has a bias).
    - residual epilogue: `llm.add` of a value and an `llm.linear` (without
      bias) whose only user is that add becomes `llm.linear_add` (the
      residual is the other operand). When both operands qualify, the rhs is
      the linear.

    `llm.logits` is left as it is. Anything else is left alone.

    Before:
    ```mlir
    %gu = llm.linear %h weight @gate_up : tensor<?x288xf32> -> tensor<?x1536xf32>
    %g, %u = llm.split %gu interleaved : tensor<?x1536xf32> -> tensor<?x768xf32>, tensor<?x768xf32>
    %s = llm.swiglu %g, %u : tensor<?x768xf32>
    %d = llm.linear %s weight @down : tensor<?x768xf32> -> tensor<?x288xf32>
    %r = llm.add %x, %d : tensor<?x288xf32>
    ```
    After:
    ```mlir
    %s = llm.gate_up_swiglu %h weight @gate_up : tensor<?x288xf32> -> tensor<?x768xf32>
    %r = llm.linear_add %s weight @down residual %x : tensor<?x768xf32> -> tensor<?x288xf32>
    ```
  }];
  let dependentDialects = ["::mlir::llm::LLMDialect"];
}

def SpecializePhasePass : Pass<"llm-specialize-phase", "::mlir::ModuleOp"> {
  let summary = "clones @forward into @prefill and @decode";
  let description = [{
    Replaces `@forward` by two copies marked with `llm.phase`: `@prefill`,
    whose token dim stays dynamic (any prompt chunk), and `@decode`, whose
    token dim is `max-slots` (one token per slot, every step). Every tensor
    of a model function is indexed by token along its leading dim, so
    `@decode` gets every dynamic leading dim replaced by `max-slots`, in its
    signature and in every op result of its body.

    Fails with an error (the later lowering needs both functions) when the
    module has no `@forward`, already has `@prefill` or `@decode`, something
    calls `@forward`, or `@forward`'s token dim is not dynamic.

    Before:
    ```mlir
    func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                       %cache: !llm.kv_cache<...>) -> (tensor<?x32000xf32>, !llm.kv_cache<...>)
    ```
    After (max-slots=8):
    ```mlir
    func.func @prefill(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                       %cache: !llm.kv_cache<...>) -> (tensor<?x32000xf32>, !llm.kv_cache<...>)
        attributes {llm.phase = "prefill"}
    func.func @decode(%tokens: tensor<8xi32>, %positions: tensor<8xi32>,
                      %cache: !llm.kv_cache<...>) -> (tensor<8x32000xf32>, !llm.kv_cache<...>)
        attributes {llm.phase = "decode"}
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let options = [
    Option<"maxSlots", "max-slots", "int64_t",
           /*default=*/"::llmc::EngineShape().maxSlots",
           "Rows of a decode step: the engine's static slot count">
  ];
}

def OutlineKernelsPass : Pass<"llm-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "rewrites @prefill and @decode into kernel launches, adds @sample";
  let description = [{
    Replaces every op of `@prefill` and `@decode` (the output of the fusion
    pipeline) by the `kernel.launch` ops that execute it, one per launched
    kernel, choosing template, tile, grid, block, shared memory and cost
    with passes/KernelSelection.h:

    | llm op | prefill | decode |
    | --- | --- | --- |
    | `llm.embed` | `Embed` | `Embed` |
    | `llm.rms_norm` | `RmsNorm` | `RmsNorm` |
    | `llm.add_rms_norm` | `AddRmsNorm` (residual in place) | same |
    | `llm.linear`, `llm.linear_add`, `llm.gate_up_swiglu`, `llm.qkv_rope_cache` | `GemmMma` + epilogue | `Gemv` + epilogue (`GemmMma` beyond 32 slots) |
    | `llm.attention` | `PagedAttentionPrefill` | `PagedAttentionDecodePartition` + `PagedAttentionDecodeReduce` |
    | `llm.logits` | `RmsNormGather` of each slot's row + a `StoreF32` projection over max-slots rows | `RmsNorm` + `StoreF32` projection |

    Values take their storage types: bf16 activations, f32 logits and
    attention workspaces, a bf16 cache; both functions return the logits as
    f32 `[max-slots, vocab]`. The token ids and positions stay function
    arguments, read through `#kernel.input` bindings; the cache value
    threads through the launches that write or read it, tied in place. A
    residual the kernel updates in place is tied to its result.

    The `constants` a wrapper bakes in: `eps` (norms); `scale`,
    `max_blocks_per_seq`, `q_row_stride`, `out_row_stride` and, in decode,
    `max_partitions` (attention); `max_blocks_per_seq` and the RoPE settings
    the engine's `rope_inv_freq` table is computed from, `rope_theta` and
    for Llama 3 scaling `rope_scaling_factor`, `rope_low_freq_factor`,
    `rope_high_freq_factor`, `rope_original_max_position` (qkv); `num_rows`
    for a launch over exactly max-slots rows, which takes no `rows` scalar
    (prefill's head); `num_slots` (sampling and the slot update).

    Adds `@sample` (max-slots rows): `Sampling` of the logits into a
    `[max-slots] i32` tensor, then `SlotUpdate`. Each function gets its
    `kernel.phase` and `kernel.max_rows` (max-prefill-tokens for prefill,
    max-slots otherwise). Launches of one phase with the same instantiation
    share one kernel name, `<phase>_<what>`, with a shape suffix where two
    instantiations would otherwise share it (`prefill_linear_288x768`).

    Fails with an error naming the op when a template cannot take a shape
    (head_dim not a multiple of 16 or over 176, a width not a multiple of 8,
    heads not a multiple of kv_heads, ...), when an op has no kernel (run
    the fusion pipeline first), when a residual updated in place is read
    later, when layers disagree on RoPE, or when an option is out of range
    (kv-block-size must be a power of two in 8..128).

    Before (decode, max-slots=8):
    ```mlir
    %q, %c1 = llm.qkv_rope_cache %h, %c0, %positions weight @"l0.qkv_proj.weight"
        layer 0 num_heads 6 theta 1.000000e+04 style interleaved
        : tensor<8x288xf32>, !llm.kv_cache<...>, tensor<8xi32> -> tensor<8x288xf32>
    ```
    After:
    ```mlir
    %q, %c1 = kernel.launch "decode_qkv_rope_cache"(%h, %c0, %positions) {
        template = "Gemv", params = {N = 864, K = 288, MaxT = 8, ...},
        epilogue = "RopeKvWrite", epilogue_params = {Heads = 6, ...},
        args = [#kernel.operand<0>, #kernel.weight<@"l0.qkv_proj.weight">,
                #kernel.input<"positions">, #kernel.null, #kernel.input<"block_tables">,
                #kernel.constant<"rope_inv_freq">, #kernel.result<0>,
                #kernel.kv_keys<0>, #kernel.kv_values<0>, #kernel.scalar<"rows">],
        tied = array<i64: -1, 1>, ...}
      : (tensor<8x288xbf16>, !llm.kv_cache<...>, tensor<8xi32>)
     -> (tensor<8x288xbf16>, !llm.kv_cache<...>)
    ```
  }];
  let dependentDialects = ["::mlir::kernel::KernelDialect",
                           "::mlir::func::FuncDialect"];
  let options = [
    Option<"maxSlots", "max-slots", "int64_t",
           /*default=*/"::llmc::EngineShape().maxSlots",
           "Rows of a decode step: the engine's static slot count">,
    Option<"maxPrefillTokens", "max-prefill-tokens", "int64_t",
           /*default=*/"::llmc::EngineShape().maxPrefillTokens",
           "Most token rows of one prefill step">,
    Option<"kvBlockSize", "kv-block-size", "int64_t",
           /*default=*/"::llmc::EngineShape().kvBlockSize",
           "Positions per block of the paged KV cache">,
    ListOption<"archs", "archs", "std::string",
               "Archs the engine is compiled for (default sm_90a); launch "
               "variants may be guarded by them">
  ];
}

def PlanMemoryPass : Pass<"llm-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "places every activation of a phase in one arena";
  let description = [{
    For a function with a `kernel.phase`, gives every tensor a launch
    produces a slice of one activation arena, sized at the function's
    `kernel.max_rows` (a dynamic row count takes that many rows) and aligned
    to 256 bytes. A tensor lives from the launch that writes it to its last
    reader (the end of the function for what it returns); a result tied to
    an operand shares the operand's slice. Slices are placed largest first,
    each in the best-fitting gap among the slices it is live together with,
    so two tensors share bytes only when their lives do not overlap.

    Replaces every `#kernel.operand` and `#kernel.result` binding by the
    value's `#kernel.arena<offset, bytes>` and records the arena size
    (`kernel.arena_bytes`) and the returned logits' slice
    (`kernel.outputs = {logits = ...}`) on the function. Other functions are
    left alone.

    Fails when the function has no `kernel.max_rows`, binds a function
    argument as an operand (runtime buffers are `#kernel.input`s), ties a
    result to a function argument, or returns more than one tensor.

    Before (stories15M's decode, kernel.max_rows = 8):
    ```mlir
    %x = kernel.launch "decode_embed"(%tokens) {args = [#kernel.input<"tokens">,
        #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">], ...}
      : (tensor<8xi32>) -> tensor<8x288xbf16>
    ```
    After:
    ```mlir
    func.func @decode(...) attributes {kernel.arena_bytes = 1028608 : i64,
        kernel.outputs = {logits = #kernel.arena<0, 1024000>}, ...}
    %x = kernel.launch "decode_embed"(%tokens) {args = [#kernel.input<"tokens">,
        #kernel.weight<@embed>, #kernel.arena<12288, 4608>, #kernel.scalar<"rows">], ...}
    ```
  }];
  let dependentDialects = ["::mlir::kernel::KernelDialect"];
}

#endif // LLMC_PASSES_TD
