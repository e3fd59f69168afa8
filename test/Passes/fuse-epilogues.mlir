// llm-fuse-epilogues folds what follows a GEMM into it: RoPE and the KV-cache
// write into the merged QKV projection (llm.qkv_rope_cache), SwiGLU into the
// merged gate/up projection (llm.gate_up_swiglu), and the residual add into a
// projection used only by it (llm.linear_add). Chains whose intermediate values
// are needed elsewhere, or that do not match exactly, stay as they are.
//
// RUN: llm-opt %s -split-input-file -llm-fuse-epilogues | FileCheck %s

llm.weight @qkv : tensor<64x32xbf16>

// CHECK-LABEL: func.func @qkv_rope_cache
// CHECK-SAME: (%[[H:.+]]: tensor<?x32xf32>, %[[POS:.+]]: tensor<?xi32>, %[[C0:.+]]: !llm.kv_cache
// CHECK-NOT: llm.split
// CHECK-NOT: llm.rope
// CHECK-NOT: llm.kv_cache_write
// CHECK: %[[Q:.+]], %[[C1:.+]] = llm.qkv_rope_cache %[[H]], %[[C0]], %[[POS]] weight @qkv layer 1 num_heads 4 theta 5.000000e+05 style half_split scaling <llama3, factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 16> : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
// CHECK-NEXT: %[[A:.+]] = llm.attention %[[Q]], %[[C1]], %[[POS]] layer 1
// CHECK-NEXT: return %[[A]], %[[C1]]
func.func @qkv_rope_cache(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                          %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  %qkv = llm.linear %h weight @qkv : tensor<?x32xf32> -> tensor<?x64xf32>
  %q, %k, %v = llm.split %qkv : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 5.0e5 style half_split
      scaling <llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 16>
      : tensor<?x32xf32>, tensor<?xi32>
  %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 5.0e5 style half_split
      scaling <llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 16>
      : tensor<?x16xf32>, tensor<?xi32>
  %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 1
      : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a = llm.attention %qr, %c1, %pos layer 1 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
}

// -----

llm.weight @qkv : tensor<64x32xbf16>

// Left alone: q is rotated at other positions than the cache write's, the
// unrotated k is also returned, and the rotated q is used before the write.
// CHECK-LABEL: func.func @qkv_left_alone
// CHECK-NOT: llm.qkv_rope_cache
// CHECK-COUNT-3: llm.kv_cache_write
// CHECK-NOT: llm.qkv_rope_cache
func.func @qkv_left_alone(%h: tensor<?x32xf32>, %pos: tensor<?xi32>, %pos2: tensor<?xi32>,
                          %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %qkv = llm.linear %h weight @qkv : tensor<?x32xf32> -> tensor<?x64xf32>
  %q, %k, %v = llm.split %qkv : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qr = llm.rope %q, %pos2 num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
  %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
  %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>

  %qkv2 = llm.linear %h weight @qkv : tensor<?x32xf32> -> tensor<?x64xf32>
  %q2, %k2, %v2 = llm.split %qkv2 : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qr2 = llm.rope %q2, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
  %kr2 = llm.rope %k2, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
  %c2 = llm.kv_cache_write %c1, %kr2, %v2, %pos layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a2 = llm.attention %qr2, %c2, %pos layer 0 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>

  %qkv3 = llm.linear %h weight @qkv : tensor<?x32xf32> -> tensor<?x64xf32>
  %q3, %k3, %v3 = llm.split %qkv3 : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qr3 = llm.rope %q3, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
  %early = llm.add %qr3, %qr3 : tensor<?x32xf32>
  %kr3 = llm.rope %k3, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
  %c3 = llm.kv_cache_write %c2, %kr3, %v3, %pos layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a3 = llm.attention %qr3, %c3, %pos layer 0 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a, %a2, %k2, %a3, %early, %a3 : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

llm.weight @gate_up : tensor<192x32xbf16>

// CHECK-LABEL: func.func @gate_up_swiglu
// CHECK-SAME: (%[[H:.+]]: tensor<?x32xf32>)
// CHECK-NOT: llm.split
// CHECK-NOT: llm.swiglu
// CHECK: %[[M:.+]] = llm.gate_up_swiglu %[[H]] weight @gate_up : tensor<?x32xf32> -> tensor<?x96xf32>
// CHECK-NEXT: return %[[M]]
func.func @gate_up_swiglu(%h: tensor<?x32xf32>) -> tensor<?x96xf32> {
  %gu = llm.linear %h weight @gate_up : tensor<?x32xf32> -> tensor<?x192xf32>
  %g, %u = llm.split %gu interleaved : tensor<?x192xf32> -> tensor<?x96xf32>, tensor<?x96xf32>
  %s = llm.swiglu %g, %u : tensor<?x96xf32>
  return %s : tensor<?x96xf32>
}

// -----

llm.weight @gate_up : tensor<192x32xbf16>

// Left alone: a contiguous split is not the interleaved gate/up layout, and
// swapped halves are not gate first.
// CHECK-LABEL: func.func @gate_up_left_alone
// CHECK-NOT: llm.gate_up_swiglu
// CHECK-COUNT-2: llm.swiglu
// CHECK-NOT: llm.gate_up_swiglu
func.func @gate_up_left_alone(%h: tensor<?x32xf32>) -> (tensor<?x96xf32>, tensor<?x96xf32>) {
  %gu = llm.linear %h weight @gate_up : tensor<?x32xf32> -> tensor<?x192xf32>
  %g, %u = llm.split %gu : tensor<?x192xf32> -> tensor<?x96xf32>, tensor<?x96xf32>
  %s = llm.swiglu %g, %u : tensor<?x96xf32>
  %gu2 = llm.linear %h weight @gate_up : tensor<?x32xf32> -> tensor<?x192xf32>
  %g2, %u2 = llm.split %gu2 interleaved : tensor<?x192xf32> -> tensor<?x96xf32>, tensor<?x96xf32>
  %s2 = llm.swiglu %u2, %g2 : tensor<?x96xf32>
  return %s, %s2 : tensor<?x96xf32>, tensor<?x96xf32>
}

// -----

llm.weight @o_proj : tensor<32x32xbf16>
llm.weight @down : tensor<32x96xbf16>

// The projection may be either operand of the add; the other one is the
// residual.
// CHECK-LABEL: func.func @linear_add
// CHECK-SAME: (%[[X:.+]]: tensor<?x32xf32>, %[[A:.+]]: tensor<?x32xf32>, %[[M:.+]]: tensor<?x96xf32>)
// CHECK-NOT: llm.add
// CHECK: %[[R:.+]] = llm.linear_add %[[A]] weight @o_proj residual %[[X]] : tensor<?x32xf32> -> tensor<?x32xf32>
// CHECK-NEXT: %[[R2:.+]] = llm.linear_add %[[M]] weight @down residual %[[R]] : tensor<?x96xf32> -> tensor<?x32xf32>
// CHECK-NEXT: return %[[R2]]
func.func @linear_add(%x: tensor<?x32xf32>, %a: tensor<?x32xf32>, %m: tensor<?x96xf32>) -> tensor<?x32xf32> {
  %o = llm.linear %a weight @o_proj : tensor<?x32xf32> -> tensor<?x32xf32>
  %r = llm.add %x, %o : tensor<?x32xf32>
  %d = llm.linear %m weight @down : tensor<?x96xf32> -> tensor<?x32xf32>
  %r2 = llm.add %d, %r : tensor<?x32xf32>
  return %r2 : tensor<?x32xf32>
}

// -----

llm.weight @o_proj : tensor<32x32xbf16>
llm.weight @norm : tensor<32xbf16>
llm.weight @head : tensor<100x32xbf16>

// Left alone: the projection has another user, and llm.logits keeps its form.
// CHECK-LABEL: func.func @linear_add_left_alone
// CHECK-NOT: llm.linear_add
// CHECK: llm.linear
// CHECK-NEXT: llm.add
// CHECK-NEXT: llm.logits
func.func @linear_add_left_alone(%x: tensor<?x32xf32>, %a: tensor<?x32xf32>) -> (tensor<?x100xf32>, tensor<?x32xf32>) {
  %o = llm.linear %a weight @o_proj : tensor<?x32xf32> -> tensor<?x32xf32>
  %r = llm.add %x, %o : tensor<?x32xf32>
  %l = llm.logits %r norm @norm eps 1.0e-5 weight @head : tensor<?x32xf32> -> tensor<?x100xf32>
  return %l, %o : tensor<?x100xf32>, tensor<?x32xf32>
}

// -----

// The merged bias and the q/k head norms go into llm.qkv_rope_cache.
llm.weight @qkv : tensor<64x32xbf16>
llm.weight @qkv.bias : tensor<64xbf16>
llm.weight @qn : tensor<8xbf16>
llm.weight @kn : tensor<8xbf16>

// CHECK-LABEL: func.func @qkv_bias_head_norms
// CHECK: %[[Q:.+]], %[[C1:.+]] = llm.qkv_rope_cache %{{.+}}, %{{.+}}, %{{.+}} weight @qkv bias @qkv.bias q_norm @qn k_norm @kn norm_eps 1.000000e-05 layer 0 num_heads 4 theta 1.000000e+06 style half_split :
// CHECK-NOT: llm.head_rms_norm
// CHECK: llm.attention %[[Q]], %[[C1]]
func.func @qkv_bias_head_norms(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  %qkv = llm.linear %h weight @qkv bias @qkv.bias : tensor<?x32xf32> -> tensor<?x64xf32>
  %q, %k, %v = llm.split %qkv : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qn = llm.head_rms_norm %q weight @qn head_dim 8 eps 1.0e-5 : tensor<?x32xf32>
  %kn = llm.head_rms_norm %k weight @kn head_dim 8 eps 1.0e-5 : tensor<?x16xf32>
  %qr = llm.rope %qn, %pos num_heads 4 head_dim 8 theta 1.0e6 style half_split : tensor<?x32xf32>, tensor<?xi32>
  %kr = llm.rope %kn, %pos num_heads 2 head_dim 8 theta 1.0e6 style half_split : tensor<?x16xf32>, tensor<?xi32>
  %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35 window 4
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
}

// -----

// q normalized, k not: the chain does not match and stays as it is.
llm.weight @qkv : tensor<64x32xbf16>
llm.weight @qn : tensor<8xbf16>

// CHECK-LABEL: func.func @qkv_norm_on_q_only
// CHECK-NOT: llm.qkv_rope_cache
// CHECK: llm.head_rms_norm
func.func @qkv_norm_on_q_only(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  %qkv = llm.linear %h weight @qkv : tensor<?x32xf32> -> tensor<?x64xf32>
  %q, %k, %v = llm.split %qkv : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %qn = llm.head_rms_norm %q weight @qn head_dim 8 eps 1.0e-5 : tensor<?x32xf32>
  %qr = llm.rope %qn, %pos num_heads 4 head_dim 8 theta 1.0e6 style half_split : tensor<?x32xf32>, tensor<?xi32>
  %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e6 style half_split : tensor<?x16xf32>, tensor<?xi32>
  %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
      : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
  %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
}

// -----

// A linear with a bias keeps its add: llm.linear_add has no bias.
llm.weight @o : tensor<32x32xbf16>
llm.weight @ob : tensor<32xbf16>

// CHECK-LABEL: func.func @linear_add_not_with_bias
// CHECK-NOT: llm.linear_add
// CHECK: llm.add
func.func @linear_add_not_with_bias(%x: tensor<?x32xf32>, %a: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %o = llm.linear %a weight @o bias @ob : tensor<?x32xf32> -> tensor<?x32xf32>
  %r = llm.add %x, %o : tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}
