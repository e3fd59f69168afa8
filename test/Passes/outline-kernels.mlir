// llm-outline-kernels on the fused form of a small supported model
// (Inputs/small-gqa-model.mlir: dim 64, 4 query heads over 2 KV heads of
// head_dim 16, ffn 128, vocab 256, 2 layers): every llm op of @prefill and
// @decode becomes its launch(es), values take storage types, launches of one
// instantiation share a kernel name, and @sample is added. The input is the
// fusion pipeline's output, which is what the pass is written for.
//
// RUN: llm-opt %S/Inputs/small-gqa-model.mlir '--llm-fusion-pipeline=max-slots=4' \
// RUN:   | llm-opt '--llm-outline-kernels=max-slots=4 max-prefill-tokens=64 kv-block-size=16' > %t
// RUN: FileCheck %s < %t
// RUN: FileCheck %s --check-prefix=NOLLM < %t
// RUN: sed s/half_split/interleaved/ %S/Inputs/small-gqa-model.mlir | llm-opt '--llm-fusion-pipeline=max-slots=4' \
// RUN:   | llm-opt '--llm-outline-kernels=max-slots=4' | FileCheck %s --check-prefix=INTERLEAVED
// RUN: llm-opt %S/Inputs/small-gqa-model.mlir '--llm-fusion-pipeline=max-slots=40' \
// RUN:   | llm-opt '--llm-outline-kernels=max-slots=40' | FileCheck %s --check-prefix=SLOTS40

// The derived weights stay: the launches bind them.
// CHECK: llm.weight @model.layers.0.self_attn.qkv_proj.weight : tensor<128x64xbf16> = #llm.concat

// Prefill: the cache becomes bf16, the logits [max-slots, vocab] f32.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[TOKENS:[^:]+]]: tensor<?xi32>, %[[POS:[^:]+]]: tensor<?xi32>, %[[C0:[^:]+]]: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>)
// CHECK-SAME: -> (tensor<4x256xf32>, !llm.kv_cache<{{[^>]+}}bf16>) attributes {kernel.max_rows = 64 : i64, kernel.phase = "prefill"}
// CHECK: %[[X0:.+]] = kernel.launch "prefill_embed"(%[[TOKENS]]) {args = [#kernel.input<"tokens">, #kernel.weight<@model.embed_tokens.weight>, #kernel.result<0>, #kernel.scalar<"rows">], block = 256 : i64
// CHECK-SAME: fused = ["llm.embed"], grid = ["rows", "1", "1"], params = {Dim = 64 : i64, Threads = 256 : i64, Vocab = 256 : i64}, smem = 0 : i64, template = "Embed"} : (tensor<?xi32>) -> tensor<?x64xbf16>
// CHECK-NEXT: %[[H0:.+]] = kernel.launch "prefill_rms_norm"(%[[X0]]) {args = [#kernel.operand<0>, #kernel.weight<@model.layers.0.input_layernorm.weight>, #kernel.result<0>, #kernel.scalar<"rows">]
// CHECK-SAME: constants = {eps = 1.000000e-05 : f64}
// CHECK-SAME: template = "RmsNorm"

// The QKV projection on tensor cores, RoPE and the paged KV write in its
// epilogue; the cache result is tied to the cache operand.
// CHECK-NEXT: %[[QKV0:.+]]:2 = kernel.launch "prefill_qkv_rope_cache"(%[[H0]], %[[C0]], %[[POS]]) {args = [#kernel.operand<0>, #kernel.weight<@model.layers.0.self_attn.qkv_proj.weight>, #kernel.input<"positions">, #kernel.input<"token_slots">, #kernel.input<"block_tables">, #kernel.constant<"rope_inv_freq">, #kernel.result<0>, #kernel.kv_keys<0>, #kernel.kv_values<0>, #kernel.null, #kernel.null, #kernel.null, #kernel.scalar<"rows">]
// CHECK-SAME: constants = {max_blocks_per_seq = 4 : i64, rope_theta = 1.000000e+04 : f64}, cost = #kernel.cost<flops_per_row = 16384, bytes_fixed = 16384, bytes_per_row = 384>
// CHECK-SAME: epilogue = "RopeKvWrite", epilogue_params = {BlockSize = 16 : i64, HeadDim = 16 : i64, HeadNorm = 0 : i64, Heads = 4 : i64, KvHeads = 2 : i64, Layout = 1 : i64}, fused = ["llm.qkv_rope_cache"], grid = ["2", "ceildiv(rows, 64)", "1"], layer = 0 : i64
// CHECK-SAME: params = {BK = 32 : i64, BM = 64 : i64, BN = 64 : i64, K = 64 : i64, N = 128 : i64, Stages = 3 : i64, WarpsM = 2 : i64, WarpsN = 2 : i64}, smem = 30720 : i64, template = "GemmMma", tied = array<i64: -1, 1>}
// CHECK-SAME: : (tensor<?x64xbf16>, !llm.kv_cache<{{[^>]+}}>, tensor<?xi32>) -> (tensor<?x64xbf16>, !llm.kv_cache<{{[^>]+}}>)
// CHECK-NEXT: %[[A0:.+]] = kernel.launch "prefill_attention"(%[[QKV0]]#0, %[[QKV0]]#1) {args = [#kernel.operand<0>, #kernel.kv_keys<0>, #kernel.kv_values<0>, #kernel.input<"block_tables">, #kernel.input<"seq_slots">, #kernel.input<"query_starts">, #kernel.input<"start_positions">, #kernel.result<0>]
// CHECK-SAME: constants = {max_blocks_per_seq = 4 : i64, out_row_stride = 64 : i64, q_row_stride = 64 : i64, scale = 2.500000e-01 : f64}, cost = #kernel.cost<flops_per_row_context = 256, bytes_per_row = 256, bytes_per_row_context = 4>
// CHECK-SAME: grid = ["ceildiv(2 * max_chunk_rows, 64)", "2", "seqs"]
// CHECK-SAME: template = "PagedAttentionPrefill"
// Two StoreBf16 projections of other shapes (o_proj, down_proj): two names.
// CHECK-NEXT: %[[O0:.+]] = kernel.launch "prefill_linear_64x64"(%[[A0]])
// CHECK-SAME: epilogue = "StoreBf16"
// The residual is updated in place: result 0 tied to operand 0.
// CHECK-NEXT: %[[R0:.+]]:2 = kernel.launch "prefill_add_rms_norm"(%[[X0]], %[[O0]]) {args = [#kernel.operand<0>, #kernel.operand<1>, #kernel.weight<@model.layers.0.post_attention_layernorm.weight>, #kernel.result<1>, #kernel.scalar<"rows">]
// CHECK-SAME: tied = array<i64: 0, -1>
// CHECK-NEXT: %[[S0:.+]] = kernel.launch "prefill_gate_up_swiglu"(%[[R0]]#1)
// CHECK-SAME: epilogue = "SwiGlu", epilogue_params = {N = 256 : i64}
// CHECK-SAME: (tensor<?x64xbf16>) -> tensor<?x128xbf16>
// CHECK-NEXT: kernel.launch "prefill_linear_64x128"(%[[S0]])
// Layer 1 reuses layer 0's kernels.
// CHECK-NEXT: kernel.launch "prefill_add_rms_norm"
// CHECK-NEXT: kernel.launch "prefill_qkv_rope_cache"
// CHECK-SAME: layer = 1 : i64
// CHECK-NEXT: kernel.launch "prefill_attention"
// CHECK-NEXT: kernel.launch "prefill_linear_64x64"
// CHECK-NEXT: %[[R1:.+]]:2 = kernel.launch "prefill_add_rms_norm"
// CHECK-NEXT: %[[S1:.+]] = kernel.launch "prefill_gate_up_swiglu"
// The last down projection adds the residual in place.
// CHECK-NEXT: %[[X2:.+]] = kernel.launch "prefill_linear_add"(%[[S1]], %[[R1]]#0) {args = [#kernel.operand<0>, #kernel.weight<@model.layers.1.mlp.down_proj.weight>, #kernel.operand<1>, #kernel.result<0>, #kernel.scalar<"rows">]
// CHECK-SAME: epilogue = "ResidualAdd"
// CHECK-SAME: tied = array<i64: 1>
// The head normalizes each slot's last prompt row, then projects max-slots
// rows with a decode-shaped GEMV and a baked row count.
// CHECK-NEXT: %[[N:.+]] = kernel.launch "prefill_logits_norm"(%[[X2]]) {args = [#kernel.operand<0>, #kernel.input<"logit_rows">, #kernel.weight<@model.norm.weight>, #kernel.result<0>]
// CHECK-SAME: constants = {eps = 1.000000e-05 : f64, num_rows = 4 : i64}, cost = #kernel.cost<flops_fixed = 1024, bytes_fixed = 1152>, fused = ["llm.logits"], grid = ["4", "1", "1"]
// CHECK-SAME: template = "RmsNormGather"} : (tensor<?x64xbf16>) -> tensor<4x64xbf16>
// CHECK-NEXT: %[[L:.+]] = kernel.launch "prefill_logits"(%[[N]]) {args = [#kernel.operand<0>, #kernel.weight<@lm_head.weight>, #kernel.result<0>]
// CHECK-SAME: constants = {num_rows = 4 : i64}
// CHECK-SAME: epilogue = "StoreF32"
// CHECK-SAME: params = {K = 64 : i64, KSplit = 2 : i64, MaxT = 4 : i64, N = 256 : i64, RowsPerWarp = 2 : i64, TileN = 4 : i64, Warps = 4 : i64}, smem = 0 : i64, template = "Gemv"} : (tensor<4x64xbf16>) -> tensor<4x256xf32>
// CHECK-NEXT: return %[[L]], %{{.+}} : tensor<4x256xf32>, !llm.kv_cache

// Decode: GEMVs over 4 rows, no token-to-slot map, split-KV attention.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: -> (tensor<4x256xf32>, !llm.kv_cache<{{[^>]+}}bf16>) attributes {kernel.max_rows = 4 : i64, kernel.phase = "decode"}
// CHECK: kernel.launch "decode_embed"
// CHECK: kernel.launch "decode_rms_norm"
// CHECK-NEXT: %[[DQ:.+]]:2 = kernel.launch "decode_qkv_rope_cache"
// CHECK-SAME: #kernel.input<"positions">, #kernel.null, #kernel.input<"block_tables">
// CHECK-SAME: grid = ["32", "1", "1"]
// CHECK-SAME: params = {K = 64 : i64, KSplit = 2 : i64, MaxT = 4 : i64, N = 128 : i64, PairSpan = 8 : i64, RowsPerWarp = 2 : i64, TileN = 4 : i64, Warps = 4 : i64}, smem = 0 : i64, template = "Gemv", tied = array<i64: -1, 1>
// A step of one row runs the same tile compiled for one row.
// CHECK-SAME: variants = [#kernel.variant<suffix = "_one_row", template_name = "Gemv", params = {K = 64 : i64, KSplit = 2 : i64, MaxT = 1 : i64, N = 128 : i64, PairSpan = 8 : i64, RowsPerWarp = 2 : i64, TileN = 4 : i64, Warps = 4 : i64}
// CHECK-NEXT: %[[P:.+]]:3 = kernel.launch "decode_attention_partition"(%[[DQ]]#0, %[[DQ]]#1) {args = [#kernel.operand<0>, #kernel.kv_keys<0>, #kernel.kv_values<0>, #kernel.input<"block_tables">, #kernel.input<"positions">, #kernel.slot<"finished">, #kernel.result<0>, #kernel.result<1>, #kernel.result<2>, #kernel.null]
// CHECK-SAME: constants = {max_blocks_per_seq = 4 : i64, max_partitions = 1 : i64, out_row_stride = 64 : i64, q_row_stride = 64 : i64, scale = 2.500000e-01 : f64}
// CHECK-SAME: grid = ["1", "2", "rows"]
// CHECK-SAME: params = {BlockSize = 16 : i64, HeadDim = 16 : i64, Heads = 4 : i64, KvHeads = 2 : i64, PartitionSize = 64 : i64}
// CHECK-SAME: -> (tensor<4x64xf32>, tensor<4x4xf32>, tensor<4x4xf32>)
// CHECK-NEXT: kernel.launch "decode_attention_reduce"(%[[P]]#0, %[[P]]#1, %[[P]]#2) {args = [#kernel.null, #kernel.null, #kernel.null, #kernel.null, #kernel.input<"positions">, #kernel.slot<"finished">, #kernel.operand<0>, #kernel.operand<1>, #kernel.operand<2>, #kernel.result<0>]
// CHECK-SAME: block = 64 : i64
// CHECK-SAME: grid = ["4", "rows", "1"]
// CHECK-SAME: -> tensor<4x64xbf16>
// The final norm is the layers' RmsNorm instantiation: same kernel.
// CHECK: kernel.launch "decode_rms_norm"
// CHECK-SAME: #kernel.weight<@model.norm.weight>
// CHECK-SAME: fused = ["llm.logits"]
// CHECK-NEXT: kernel.launch "decode_logits"
// CHECK-SAME: #kernel.scalar<"rows">
// CHECK-SAME: -> tensor<4x256xf32>

// CHECK-LABEL: func.func @sample()
// CHECK-SAME: attributes {kernel.max_rows = 4 : i64, kernel.phase = "sample"}
// CHECK-NEXT: %[[T:.+]] = kernel.launch "sample_tokens"() {args = [#kernel.input<"logits">, #kernel.slot<"tokens">, #kernel.slot<"positions">, #kernel.slot<"generated">, #kernel.slot<"finished">, #kernel.slot<"max_new_tokens">, #kernel.slot<"stop_ids">, #kernel.slot<"eos_ids">, #kernel.slot<"context_limits">, #kernel.slot<"temperatures">, #kernel.slot<"top_ks">, #kernel.slot<"top_ps">, #kernel.slot<"seeds">, #kernel.slot<"top_logprobs">, #kernel.input<"slot_mask">, #kernel.result<0>]
// CHECK-SAME: grid = ["4", "1", "1"], params = {Threads = 256 : i64, Vocab = 256 : i64}, smem = 0 : i64, template = "Sampling"} : () -> tensor<4xi32>
// CHECK-NEXT: kernel.launch "sample_logprobs"(%[[T]]) {args = [#kernel.input<"logits">, {{(#kernel.slot<"[a-z_]+">, )+}}#kernel.input<"slot_mask">, #kernel.operand<0>, #kernel.input<"logprob_ring">, #kernel.input<"step_counter">, #kernel.scalar<"ring_rows">]
// CHECK-SAME: grid = ["4", "1", "1"], params = {Threads = 256 : i64, Vocab = 256 : i64}, smem = 0 : i64, template = "Logprobs"} : (tensor<4xi32>) -> ()
// CHECK-NEXT: kernel.launch "sample_slot_update"(%[[T]]) {args = [{{(#kernel.slot<"[a-z_]+">, )+}}#kernel.operand<0>, #kernel.input<"slot_mask">, #kernel.input<"token_ring">, #kernel.input<"step_counter">, #kernel.scalar<"ring_rows">]
// CHECK-SAME: grid = ["1", "1", "1"], params = {Threads = 128 : i64}, smem = 0 : i64, template = "SlotUpdate"} : (tensor<4xi32>) -> ()
// CHECK-NEXT: return

// No llm op is left in the phase functions (only in `fused` records).
// NOLLM-LABEL: func.func @prefill
// NOLLM-NOT: {{ llm\.[a-z_]+ [%@]}}
// NOLLM-LABEL: func.func @decode
// NOLLM-NOT: {{ llm\.[a-z_]+ [%@]}}
// NOLLM-LABEL: func.func @sample

// Interleaved RoPE: Layout 0; a 4-column GEMV tile holds whole pairs.
// INTERLEAVED: kernel.launch "prefill_qkv_rope_cache"
// INTERLEAVED-SAME: Layout = 0 : i64
// INTERLEAVED: kernel.launch "decode_qkv_rope_cache"
// INTERLEAVED-SAME: Layout = 0 : i64
// INTERLEAVED-SAME: TileN = 4 : i64

// Beyond 32 slots decode projections run on tensor cores in 64-row tiles,
// and so does prefill's head over the 40 slots.
// SLOTS40: kernel.launch "prefill_logits"
// SLOTS40-SAME: grid = ["4", "1", "1"]
// SLOTS40-SAME: BM = 64 : i64
// SLOTS40-SAME: template = "GemmMma"
// SLOTS40-SAME: -> tensor<40x256xf32>
// SLOTS40: kernel.launch "decode_qkv_rope_cache"
// SLOTS40-SAME: grid = ["2", "ceildiv(rows, 64)", "1"]
// SLOTS40-SAME: BM = 64 : i64
// SLOTS40-SAME: template = "GemmMma"
