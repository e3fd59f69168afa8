// Round trip of the kernel dialect: kernel.launch with every kind of binding,
// tied results, cost terms (integral and fractional), and the function
// attributes of a planned phase. Printing and parsing again must give the
// same text.
//
// RUN: llm-opt %s | FileCheck %s
// RUN: llm-opt %s | llm-opt | FileCheck %s
// RUN: llm-opt %s --mlir-print-op-generic | llm-opt | FileCheck %s

!cache = !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>

module {
  llm.weight @"embed" : tensor<128x64xbf16>
  llm.weight @"qkv" : tensor<128x64xbf16>

  // CHECK-LABEL: func.func @decode
  // CHECK-SAME: attributes {kernel.phase = "decode"}
  func.func @decode(%tokens: tensor<4xi32>, %positions: tensor<4xi32>, %cache: !cache)
      -> (tensor<4x64xbf16>, !cache) attributes {kernel.phase = "decode"} {
    // CHECK: %[[X:.+]] = kernel.launch "decode_embed"(%{{.+}}) {args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">], block = 256 : i64, cost = #kernel.cost<bytes_per_row = 260>, fused = ["llm.embed"], grid = ["rows", "1", "1"], params = {Dim = 64 : i64, Threads = 256 : i64, Vocab = 128 : i64}, smem = 0 : i64, template = "Embed"} : (tensor<4xi32>) -> tensor<4x64xbf16>
    %x = kernel.launch "decode_embed" (%tokens) {
        template = "Embed", params = {Vocab = 128, Dim = 64, Threads = 256},
        fused = ["llm.embed"], grid = ["rows", "1", "1"], block = 256, smem = 0,
        args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">],
        cost = #kernel.cost<bytes_per_row = 260>}
      : (tensor<4xi32>) -> tensor<4x64xbf16>
    // CHECK: %[[Q:.+]]:2 = kernel.launch "decode_qkv_rope_cache"(%[[X]], %{{[^,]+}}, %{{[^)]+}})
    // CHECK-SAME: args = [#kernel.operand<0>, #kernel.weight<@qkv>, #kernel.input<"positions">, #kernel.null, #kernel.input<"block_tables">, #kernel.constant<"rope_inv_freq">, #kernel.result<0>, #kernel.kv_keys<1>, #kernel.kv_values<1>, #kernel.null, #kernel.null, #kernel.null, #kernel.scalar<"rows">]
    // CHECK-SAME: constants = {max_blocks_per_seq = 4 : i64}
    // CHECK-SAME: cost = #kernel.cost<flops_per_row = 16384, bytes_fixed = 16384, bytes_per_row = 3.875000e+02>
    // CHECK-SAME: epilogue = "RopeKvWrite", epilogue_params = {BlockSize = 16 : i64, HeadDim = 16 : i64, HeadNorm = 0 : i64, Heads = 4 : i64, KvHeads = 2 : i64, Layout = 1 : i64}
    // CHECK-SAME: layer = 1 : i64
    // CHECK-SAME: tied = array<i64: -1, 1>
    %q, %c1 = kernel.launch "decode_qkv_rope_cache" (%x, %cache, %positions) {
        template = "Gemv", params = {N = 128, K = 64, MaxT = 4, Warps = 4, RowsPerWarp = 2, TileN = 32},
        epilogue = "RopeKvWrite", epilogue_params = {Heads = 4, KvHeads = 2, HeadDim = 16, BlockSize = 16, Layout = 1, HeadNorm = 0},
        constants = {max_blocks_per_seq = 4},
        fused = ["llm.qkv_rope_cache"], layer = 1,
        grid = ["4", "1", "1"], block = 128, smem = 0,
        args = [#kernel.operand<0>, #kernel.weight<@qkv>, #kernel.input<"positions">, #kernel.null,
                #kernel.input<"block_tables">, #kernel.constant<"rope_inv_freq">, #kernel.result<0>,
                #kernel.kv_keys<1>, #kernel.kv_values<1>, #kernel.null, #kernel.null, #kernel.null, #kernel.scalar<"rows">],
        tied = array<i64: -1, 1>,
        cost = #kernel.cost<flops_per_row = 16384, bytes_fixed = 16384, bytes_per_row = 387.5>}
      : (tensor<4x64xbf16>, !cache, tensor<4xi32>) -> (tensor<4x64xbf16>, !cache)
    // CHECK: return %[[Q]]#0, %[[Q]]#1
    return %q, %c1 : tensor<4x64xbf16>, !cache
  }

  // Every grid form of the grammar, slot bindings, and a launch without
  // results.
  // A prefill projection with two variants: a tile for steps of few rows,
  // and one that only sm_90a code runs (from 512 rows on).
  // CHECK-LABEL: func.func @prefill
  // CHECK: kernel.launch "prefill_linear"
  // CHECK-SAME: variants = [#kernel.variant<suffix = "_few_rows", template_name = "GemmMma", params = {BK = 64 : i64, BM = 64 : i64, BN = 64 : i64, K = 64 : i64, N = 128 : i64, Stages = 4 : i64, WarpsM = 2 : i64, WarpsN = 2 : i64}, grid = ["2", "ceildiv(rows, 64)", "1"], block = 128, smem = 73728, max_rows = 256>, #kernel.variant<suffix = "_sm90", template_name = "GemmMma", params = {BK = 64 : i64, BM = 128 : i64, BN = 128 : i64, K = 64 : i64, N = 128 : i64, Stages = 4 : i64, WarpsM = 2 : i64, WarpsN = 4 : i64}, grid = ["1", "ceildiv(rows, 128)", "1"], block = 256, smem = 147456, archs = ["sm_90a"], min_rows = 512>]
  func.func @prefill(%x: tensor<?x64xbf16>) -> tensor<?x128xbf16> attributes {kernel.phase = "prefill"} {
    %y = kernel.launch "prefill_linear" (%x) {
        template = "GemmMma",
        params = {N = 128, K = 64, BM = 128, BN = 128, BK = 32, WarpsM = 2, WarpsN = 4, Stages = 3},
        epilogue = "StoreBf16", epilogue_params = {N = 128},
        fused = ["llm.linear"], grid = ["1", "ceildiv(rows, 128)", "1"], block = 256, smem = 61440,
        args = [#kernel.operand<0>, #kernel.weight<@qkv>, #kernel.result<0>, #kernel.scalar<"rows">],
        cost = #kernel.cost<flops_per_row = 16384, bytes_fixed = 16384>,
        variants = [#kernel.variant<suffix = "_few_rows", template_name = "GemmMma",
                                    params = {N = 128, K = 64, BM = 64, BN = 64, BK = 64, WarpsM = 2, WarpsN = 2, Stages = 4},
                                    grid = ["2", "ceildiv(rows, 64)", "1"], block = 128, smem = 73728, max_rows = 256>,
                    #kernel.variant<suffix = "_sm90", template_name = "GemmMma",
                                    params = {N = 128, K = 64, BM = 128, BN = 128, BK = 64, WarpsM = 2, WarpsN = 4, Stages = 4},
                                    grid = ["1", "ceildiv(rows, 128)", "1"], block = 256, smem = 147456,
                                    archs = ["sm_90a"], min_rows = 512>]}
      : (tensor<?x64xbf16>) -> tensor<?x128xbf16>
    return %y : tensor<?x128xbf16>
  }

  // CHECK-LABEL: func.func @sample
  // CHECK-SAME: attributes {kernel.arena_bytes = 512 : i64, kernel.max_rows = 4 : i64, kernel.outputs = {sampled = #kernel.arena<256, 16>}, kernel.phase = "sample"}
  func.func @sample() attributes {kernel.phase = "sample", kernel.max_rows = 4, kernel.arena_bytes = 512,
                                  kernel.outputs = {sampled = #kernel.arena<256, 16>}} {
    // CHECK: grid = ["ceildiv(4 * max_chunk_rows, 64)", "2 * ceildiv(seqs, 3)", "ceildiv(rows, 2)"]
    %s = kernel.launch "sample_tokens" () {
        template = "Sampling", params = {Vocab = 128, Threads = 256}, constants = {num_slots = 4},
        fused = [],
        grid = ["ceildiv(4 * max_chunk_rows, 64)", "2 * ceildiv(seqs, 3)", "ceildiv(rows, 2)"],
        block = 256, smem = 0,
        args = [#kernel.input<"logits">, #kernel.slot<"tokens">, #kernel.slot<"positions">, #kernel.slot<"generated">,
                #kernel.slot<"finished">, #kernel.slot<"max_new_tokens">, #kernel.slot<"stop_ids">,
                #kernel.slot<"eos_ids">, #kernel.slot<"context_limits">, #kernel.slot<"temperatures">,
                #kernel.slot<"top_ks">, #kernel.slot<"top_ps">, #kernel.slot<"seeds">,
                #kernel.slot<"top_logprobs">, #kernel.input<"slot_mask">, #kernel.arena<256, 16>],
        cost = #kernel.cost<>}
      : () -> tensor<4xi32>
    // CHECK: kernel.launch "sample_slot_update"(%{{.+}}) {{.+}} : (tensor<4xi32>) -> ()
    kernel.launch "sample_slot_update" (%s) {
        template = "SlotUpdate", params = {Threads = 128}, constants = {num_slots = 4}, fused = [],
        grid = ["1", "1", "1"], block = 128, smem = 0,
        args = [#kernel.slot<"tokens">, #kernel.slot<"positions">, #kernel.slot<"generated">,
                #kernel.slot<"finished">, #kernel.slot<"max_new_tokens">, #kernel.slot<"stop_ids">,
                #kernel.slot<"eos_ids">, #kernel.slot<"context_limits">, #kernel.slot<"temperatures">,
                #kernel.slot<"top_ks">, #kernel.slot<"top_ps">, #kernel.slot<"seeds">,
                #kernel.slot<"top_logprobs">, #kernel.arena<256, 16>, #kernel.input<"slot_mask">,
                #kernel.input<"token_ring">,
                #kernel.input<"step_counter">, #kernel.scalar<"ring_rows">],
        cost = #kernel.cost<bytes_per_row = 64>}
      : (tensor<4xi32>) -> ()
    return
  }
}
