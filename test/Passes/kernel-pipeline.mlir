// The whole compiler pipeline on a small supported model (Inputs/
// small-gqa-model.mlir, both RoPE styles): fusion, kernel launches for
// @prefill, @decode and @sample, and one planned arena per phase. Checks
// that the options reach the passes, that every SSA binding became an arena
// slice, and which kernels each phase launches.
//
// RUN: llm-opt %S/Inputs/small-gqa-model.mlir '--llm-kernel-pipeline=max-slots=4 max-prefill-tokens=64 kv-block-size=32' | FileCheck %s
// RUN: sed s/half_split/interleaved/ %S/Inputs/small-gqa-model.mlir \
// RUN:   | llm-opt '--llm-kernel-pipeline=max-slots=4 max-prefill-tokens=64 kv-block-size=32' | FileCheck %s
// RUN: llm-opt %S/Inputs/small-gqa-model.mlir --llm-kernel-pipeline | FileCheck %s --check-prefix=DEFAULT

// Prefill at 64 rows: the residual, the normed rows and the SwiGLU output
// (8 + 8 + 16 KiB) are its peak; the logits [4, 256] f32 are its output.
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: attributes {kernel.arena_bytes = 32768 : i64, kernel.max_rows = 64 : i64, kernel.outputs = {logits = #kernel.arena<0, 4096>}, kernel.phase = "prefill"}
// CHECK-NOT: #kernel.operand
// CHECK-NOT: #kernel.result
// CHECK: kernel.launch "prefill_embed"
// CHECK-NEXT: kernel.launch "prefill_rms_norm"
// CHECK-NEXT: kernel.launch "prefill_qkv_rope_cache"
// CHECK-SAME: constants = {max_blocks_per_seq = 2 : i64
// CHECK-SAME: BlockSize = 32 : i64
// CHECK-COUNT-2: kernel.launch "prefill_add_rms_norm"
// CHECK: kernel.launch "prefill_linear_add"
// CHECK-NEXT: kernel.launch "prefill_logits_norm"
// CHECK-NEXT: kernel.launch "prefill_logits"{{.+}}#kernel.arena<0, 4096>]
// CHECK-NEXT: return

// CHECK-LABEL: func.func @decode
// CHECK-SAME: attributes {kernel.arena_bytes = 4608 : i64, kernel.max_rows = 4 : i64, kernel.outputs = {logits = #kernel.arena<0, 4096>}, kernel.phase = "decode"}
// CHECK-NOT: #kernel.operand
// CHECK-NOT: #kernel.result
// CHECK: kernel.launch "decode_attention_partition"
// CHECK-NEXT: kernel.launch "decode_attention_reduce"
// CHECK: kernel.launch "decode_logits"{{.+}}#kernel.arena<0, 4096>, #kernel.scalar<"rows">]
// CHECK-NEXT: return

// The sampled tokens are @sample's only tensor: 16 bytes in a 256-byte arena.
// CHECK-LABEL: func.func @sample
// CHECK-SAME: attributes {kernel.arena_bytes = 256 : i64, kernel.max_rows = 4 : i64, kernel.phase = "sample"}
// CHECK: kernel.launch "sample_tokens"{{.+}}#kernel.arena<0, 16>]
// CHECK: kernel.launch "sample_slot_update"{{.+}}#kernel.arena<0, 16>, #kernel.input<"slot_mask">

// Defaults: 8 slots, 512 prefill rows, 16-position blocks.
// DEFAULT: func.func @prefill
// DEFAULT-SAME: kernel.max_rows = 512 : i64
// DEFAULT: BlockSize = 16 : i64
// DEFAULT: func.func @decode
// DEFAULT-SAME: kernel.max_rows = 8 : i64
