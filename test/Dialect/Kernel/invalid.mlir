// One case per rule of the kernel dialect's verifiers: kernel.launch (names,
// parameters, epilogues, launch shape, bindings, tied results), the binding
// and cost attributes, and the kernel.* function attributes.
//
// RUN: llm-opt %s -split-input-file -verify-diagnostics

func.func @bad_kernel_name() {
  // expected-error @+1 {{'kernel.launch' op kernel name "decode-embed" must be a C identifier}}
  kernel.launch "decode-embed" () {template = "Embed", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_template() {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (Gemm): unknown template (the kernel library has Embed, RmsNorm, RmsNormGather, AddRmsNorm, Gemv, GemmMma, PagedAttentionPrefill, PagedAttentionDecodePartition, PagedAttentionDecodeReduce, Sampling, Logprobs, SlotUpdate)}}
  kernel.launch "k" () {template = "Gemm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @non_integer_param() {
  // expected-error @+1 {{'kernel.launch' op params entry 'Dim' must be an integer, got "288"}}
  kernel.launch "k" () {template = "RmsNorm", params = {Dim = "288"}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @projection_without_epilogue() {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (Gemv): the template needs an epilogue}}
  kernel.launch "k" () {template = "Gemv", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @epilogue_on_a_norm() {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (RmsNorm): the template takes no epilogue, got 'StoreBf16'}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, epilogue = "StoreBf16", fused = [],
      grid = ["1", "1", "1"], block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_epilogue() {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (Gemv): unknown epilogue 'Silu' (expected StoreBf16, StoreF32, ResidualAdd, SwiGlu, RopeKvWrite)}}
  kernel.launch "k" () {template = "Gemv", params = {}, epilogue = "Silu", fused = [],
      grid = ["1", "1", "1"], block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @epilogue_params_without_epilogue() {
  // expected-error @+1 {{'kernel.launch' op has epilogue_params but no epilogue}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, epilogue_params = {N = 1}, fused = [],
      grid = ["1", "1", "1"], block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @string_constant() {
  // expected-error @+1 {{'kernel.launch' op constants entry 'eps' must be a number, got "1e-5"}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, constants = {eps = "1e-5"}, fused = [],
      grid = ["1", "1", "1"], block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @two_grid_dims() {
  // expected-error @+1 {{'kernel.launch' op grid must have 3 dimensions (x, y, z), got 2}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["rows", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_grid_symbol() {
  // expected-error @+1 {{'kernel.launch' op grid dimension x: launch dimension 'tokens': unknown size 'tokens' (expected rows, seqs or max_chunk_rows) at column 1}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["tokens", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unclosed_ceildiv() {
  // expected-error @+1 {{'kernel.launch' op grid dimension y: launch dimension 'ceildiv(rows, 64': expected ')' at the end}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "ceildiv(rows, 64", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @zero_grid() {
  // expected-error @+1 {{'kernel.launch' op grid dimension z: launch dimension '0': integer must be positive at column 1}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "0"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @block_too_large() {
  // expected-error @+1 {{'kernel.launch' op block must be 1..1024 threads, got 2048}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 2048, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @negative_smem() {
  // expected-error @+1 {{'kernel.launch' op smem must not be negative, got -16}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = -16, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @variant_without_suffix() {
  // expected-error @+1 {{'kernel.launch' op variant #0 suffix "" must extend the kernel name to another C identifier}}
  kernel.launch "k" () {template = "GemmMma", params = {N = 64, K = 64}, epilogue = "StoreBf16",
      epilogue_params = {N = 64}, fused = [], grid = ["1", "1", "1"], block = 128, smem = 0,
      args = [], cost = #kernel.cost<>,
      variants = [#kernel.variant<suffix = "", template_name = "GemmMma", params = {N = 64, K = 64},
                                  grid = ["1", "1", "1"], block = 128, smem = 0, max_rows = 256>]} : () -> ()
  return
}

// -----

func.func @variant_bad_grid() {
  // expected-error @+1 {{'kernel.launch' op variant #0 grid dimension y:}}
  kernel.launch "k" () {template = "GemmMma", params = {N = 64, K = 64}, epilogue = "StoreBf16",
      epilogue_params = {N = 64}, fused = [], grid = ["1", "1", "1"], block = 128, smem = 0,
      args = [], cost = #kernel.cost<>,
      variants = [#kernel.variant<suffix = "_few_rows", template_name = "GemmMma", params = {N = 64, K = 64},
                                  grid = ["1", "rows / 64", "1"], block = 128, smem = 0, max_rows = 256>]} : () -> ()
  return
}

// -----

func.func @variant_empty_row_range() {
  // expected-error @+1 {{'kernel.launch' op variant #1 rows 300..256: min_rows >= 0, and max_rows 0 (no bound) or >= min_rows}}
  kernel.launch "k" () {template = "GemmMma", params = {N = 64, K = 64}, epilogue = "StoreBf16",
      epilogue_params = {N = 64}, fused = [], grid = ["1", "1", "1"], block = 128, smem = 0,
      args = [], cost = #kernel.cost<>,
      variants = [#kernel.variant<suffix = "_a", template_name = "GemmMma", params = {N = 64, K = 64},
                                  grid = ["1", "1", "1"], block = 128, smem = 0, archs = ["sm_90a"]>,
                  #kernel.variant<suffix = "_b", template_name = "GemmMma", params = {N = 64, K = 64},
                                  grid = ["1", "1", "1"], block = 128, smem = 0, min_rows = 300, max_rows = 256>]} : () -> ()
  return
}

// -----

func.func @variant_bad_arch() {
  // expected-error @+1 {{'kernel.launch' op variant #0 archs must be arch names, got 90}}
  kernel.launch "k" () {template = "GemmMma", params = {N = 64, K = 64}, epilogue = "StoreBf16",
      epilogue_params = {N = 64}, fused = [], grid = ["1", "1", "1"], block = 128, smem = 0,
      args = [], cost = #kernel.cost<>,
      variants = [#kernel.variant<suffix = "_h", template_name = "GemmMma", params = {N = 64, K = 64},
                                  grid = ["1", "1", "1"], block = 128, smem = 0, archs = [90]>]} : () -> ()
  return
}

// -----

func.func @operand_out_of_range(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op argument #1 (#kernel.operand<1>) names operand #1, but the launch has 1 operands}}
  kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.operand<1>], cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> ()
  return
}

// -----

func.func @result_out_of_range() {
  // expected-error @+1 {{'kernel.launch' op argument #0 (#kernel.result<1>) names result #1, but the launch has 1 results}}
  %r = kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.result<1>], cost = #kernel.cost<>} : () -> tensor<4x8xbf16>
  return
}

// -----

func.func @operand_binding_of_a_cache(%c: !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>) {
  // expected-error @+1 {{'kernel.launch' op argument #0 (#kernel.operand<0>) must name a tensor operand}}
  kernel.launch "k" (%c) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>], cost = #kernel.cost<>}
    : (!llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>) -> ()
  return
}

// -----

func.func @kv_binding_without_cache() {
  // expected-error @+1 {{'kernel.launch' op argument #0 (#kernel.kv_keys<0>) reads the KV cache, which the launch does not take as an operand}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.kv_keys<0>], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @kv_layer_out_of_range(%c: !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>) {
  // expected-error @+1 {{'kernel.launch' op argument #1 (#kernel.kv_values<2>) names layer 2 of a cache with 2 layers}}
  kernel.launch "k" (%c) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.kv_keys<1>, #kernel.kv_values<2>], cost = #kernel.cost<>}
    : (!llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>) -> ()
  return
}

// -----

func.func @untied_cache_result(%c: !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>) {
  // expected-error @+1 {{'kernel.launch' op result #0 is a KV cache and must be tied to the cache operand it updates}}
  %c1 = kernel.launch "k" (%c) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<>}
    : (!llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>)
   -> !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, bf16>
  return
}

// -----

func.func @tied_count(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op tied must have one entry per result (1), got 2}}
  %r = kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], tied = array<i64: 0, -1>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @tied_to_missing_operand(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op result #0 is tied to operand #1, but the launch has 1 operands}}
  %r = kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], tied = array<i64: 1>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @tied_entry_below_minus_one(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op tied entry of result #0 must be an operand index or -1, got -2}}
  %r = kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], tied = array<i64: -2>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @tied_type_mismatch(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op result #0 of type 'tensor<4x8xf32>' is tied to operand #0 of another type 'tensor<4x8xbf16>'}}
  %r = kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], tied = array<i64: 0>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xf32>
  return
}

// -----

func.func @operand_tied_twice(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'kernel.launch' op operand #0 is tied to more than one result}}
  %r:2 = kernel.launch "k" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], tied = array<i64: 0, 0>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x8xbf16>)
  return
}

// -----

func.func @arena_past_the_end() attributes {kernel.arena_bytes = 512} {
  // expected-error @+1 {{'kernel.launch' op argument #0 (#kernel.arena<256, 512>) ends at byte 768, past the function's arena of 512 bytes}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.arena<256, 512>], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @missing_weight(%x: tensor<?x288xbf16>) {
  // expected-error @+1 {{'kernel.launch' op binds @nowhere, which is not an llm.weight of the module}}
  %y = kernel.launch "k" (%x) {template = "RmsNorm", params = {Dim = 288, Threads = 64},
      constants = {eps = 1.0e-05 : f64}, fused = [], grid = ["rows", "1", "1"], block = 64, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@nowhere>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>} : (tensor<?x288xbf16>) -> tensor<?x288xbf16>
  return
}

// -----

func.func @unaligned_arena() {
  // expected-error @+2 {{#kernel.arena offset must be a non-negative multiple of 256, got 100}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.arena<100, 4>], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @empty_arena() {
  // expected-error @+2 {{#kernel.arena bytes must be positive, got 0}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.arena<0, 0>], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @negative_operand_index() {
  // expected-error @+2 {{#kernel.operand index must not be negative, got -1}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<-1>], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_input() {
  // expected-error @+2 {{#kernel.input name "weights" is not one of "tokens", "positions", "token_slots", "block_tables", "seq_slots", "query_starts", "start_positions", "logit_rows", "logits", "slot_mask", "token_ring", "logprob_ring", "step_counter"}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.input<"weights">], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_slot_array() {
  // expected-error @+2 {{#kernel.slot name "block_tables" is not one of "tokens", "positions", "generated", "finished", "max_new_tokens", "stop_ids", "eos_ids", "context_limits", "temperatures", "top_ks", "top_ps", "seeds", "top_logprobs"}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.slot<"block_tables">], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @unknown_scalar() {
  // expected-error @+2 {{#kernel.scalar name "tokens" is not one of "rows", "seqs", "max_chunk_rows", "ring_rows"}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.scalar<"tokens">], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @constant_not_an_identifier() {
  // expected-error @+2 {{#kernel.constant name "rope inv freq" must be an identifier}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.constant<"rope inv freq">], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @not_a_binding() {
  // expected-error @+1 {{'kernel.launch' op attribute 'args' failed to satisfy constraint: kernel argument bindings}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [0 : i32], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @negative_cost() {
  // expected-error @+2 {{#kernel.cost bytes_per_row must be a finite non-negative number, got -4}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<bytes_per_row = -4>} : () -> ()
  return
}

// -----

func.func @unknown_cost_term() {
  // expected-error @+2 {{unknown #kernel.cost term 'flops'; expected one of flops_fixed, flops_per_row, flops_per_row_context, bytes_fixed, bytes_per_row, bytes_per_row_context}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<flops = 1>} : () -> ()
  return
}

// -----

func.func @cost_term_twice() {
  // expected-error @+2 {{#kernel.cost term 'flops_fixed' given twice}}
  kernel.launch "k" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [], cost = #kernel.cost<flops_fixed = 1, flops_fixed = 2>} : () -> ()
  return
}

// -----

// expected-error @+1 {{attribute 'kernel.phase' must be "prefill", "decode" or "sample", got "verify"}}
func.func @unknown_phase() attributes {kernel.phase = "verify"} {
  return
}

// -----

// expected-error @+1 {{attribute 'kernel.arena_bytes' must be a multiple of 256, got 1000}}
func.func @unaligned_arena_size() attributes {kernel.arena_bytes = 1000} {
  return
}

// -----

// expected-error @+1 {{attribute 'kernel.max_rows' must be an integer >= 1, got 0 : i64}}
func.func @no_rows() attributes {kernel.max_rows = 0} {
  return
}

// -----

// expected-error @+1 {{output 'logits' ends at byte 768, past the arena of 512 bytes}}
func.func @output_past_arena() attributes {kernel.arena_bytes = 512, kernel.outputs = {logits = #kernel.arena<512, 256>}} {
  return
}

// -----

// expected-error @+1 {{output 'logits' must be a #kernel.arena slice, got 0 : i64}}
func.func @output_not_a_slice() attributes {kernel.outputs = {logits = 0}} {
  return
}

// -----

// expected-error @+1 {{unknown kernel dialect attribute 'kernel.arena'}}
func.func @unknown_function_attribute() attributes {kernel.arena = 0} {
  return
}

// -----

func.func @params_the_template_does_not_declare() {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (RmsNorm): missing template parameter 'Threads'}}
  kernel.launch "k" () {template = "RmsNorm", params = {Dim = 288}, constants = {eps = 1.0e-05 : f64},
      fused = [], grid = ["rows", "1", "1"], block = 64, smem = 0, args = [], cost = #kernel.cost<>} : () -> ()
  return
}

// -----

func.func @args_the_wrapper_does_not_take(%x: tensor<?x288xbf16>) {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k' (RmsNorm): 2 args, but the wrapper takes 4: arena, weight, arena, scalar<"rows">}}
  %y = kernel.launch "k" (%x) {template = "RmsNorm", params = {Dim = 288, Threads = 64},
      constants = {eps = 1.0e-05 : f64}, fused = [], grid = ["rows", "1", "1"], block = 64, smem = 0,
      args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<?x288xbf16>) -> tensor<?x288xbf16>
  return
}

// -----

llm.weight @w : tensor<288xbf16>
func.func @variant_the_registry_refuses(%x: tensor<?x288xbf16>) {
  // expected-error @+1 {{'kernel.launch' op does not match the kernel registry: kernel 'k_wide' (RmsNorm): missing template parameter 'Threads'}}
  %y = kernel.launch "k" (%x) {template = "RmsNorm", params = {Dim = 288, Threads = 64},
      constants = {eps = 1.0e-05 : f64}, fused = [], grid = ["rows", "1", "1"], block = 64, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@w>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>,
      variants = [#kernel.variant<suffix = "_wide", template_name = "RmsNorm", params = {Dim = 288},
                                  grid = ["rows", "1", "1"], block = 256, smem = 0, min_rows = 64>]}
    : (tensor<?x288xbf16>) -> tensor<?x288xbf16>
  return
}
