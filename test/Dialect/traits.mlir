// The llm ops are Pure: CSE merges identical ones and canonicalization drops
// unused ones. llm.kv_cache_write is Pure too (it returns a new cache value),
// so an unused write disappears while a used one stays.
//
// RUN: llm-opt %s -cse -canonicalize | FileCheck %s

llm.weight @w : tensor<64x64xf32>
llm.weight @norm : tensor<64xf32>

// CHECK-LABEL: func.func @cse_merges_identical_ops
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>)
// CHECK: %[[N:.+]] = llm.rms_norm %[[X]]
// CHECK-NEXT: %[[L:.+]] = llm.linear %[[N]]
// CHECK-NEXT: %[[S:.+]] = llm.add %[[L]], %[[L]]
// CHECK-NEXT: return %[[S]]
func.func @cse_merges_identical_ops(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %n0 = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x64xf32>
  %n1 = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x64xf32>
  %a = llm.linear %n0 weight @w : tensor<?x64xf32> -> tensor<?x64xf32>
  %b = llm.linear %n1 weight @w : tensor<?x64xf32> -> tensor<?x64xf32>
  %s = llm.add %a, %b : tensor<?x64xf32>
  return %s : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @unused_ops_are_removed
// CHECK-NEXT: return
func.func @unused_ops_are_removed(
    %x: tensor<?x64xf32>, %p: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 4, head_dim = 16, max_seq_len = 8, f32>) {
  %r = llm.rope %x, %p num_heads 4 head_dim 16 theta 1.0e4 style interleaved
      : tensor<?x64xf32>, tensor<?xi32>
  %c1 = llm.kv_cache_write %c, %r, %x, %p layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 4, head_dim = 16, max_seq_len = 8, f32>,
        tensor<?x64xf32>, tensor<?x64xf32>, tensor<?xi32>
  %a = llm.attention %x, %c1, %p layer 0 num_heads 4 scale 0.25
      : tensor<?x64xf32>,
        !llm.kv_cache<layers = 1, kv_heads = 4, head_dim = 16, max_seq_len = 8, f32>,
        tensor<?xi32>
  return
}
