//===- Passes.td - the graph passes over the llm dialect ------------------===//
//
// Every llm graph pass, one job each. They turn the module the frontend
// builds (one op per model step) into the fused form the kernel library
// executes (compiler/kernels/README.md): merged projections over derived
// weights, epilogues folded into their GEMMs, and one function per phase.
// Each pass keeps the logits the CPU interpreter computes unchanged (checked
// by PassNumericsTests); buildFusionPipeline (Pipelines.h) runs them in order.
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
    reads the written cache. All three must read the same value. They
    become one linear over a derived weight `#llm.concat<[@q, @k, @v]>`
    followed by an `llm.split` into three results. A group that does not
    match exactly (another input, a second candidate for q, sources of
    different element types) is left alone.

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
      Requires each intermediate value to have no other use, both ropes to
      share the write's positions, theta, style and scaling, and their heads
      to be the cache's head_dim (k with the cache's kv_heads); the users of
      the rotated q must come after the cache write.
    - merged gate/up: `llm.linear` + `llm.split ... interleaved` + `llm.swiglu`
      of the two halves (gate first) becomes `llm.gate_up_swiglu`.
    - residual epilogue: `llm.add` of a value and an `llm.linear` whose only
      user is that add becomes `llm.linear_add` (the residual is the other
      operand). When both operands qualify, the rhs is the linear.

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
    Option<"maxSlots", "max-slots", "int64_t", /*default=*/"8",
           "Rows of a decode step: the engine's static slot count">
  ];
}

#endif // LLMC_PASSES_TD
