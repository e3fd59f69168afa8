// llm-fuse-qkv merges the q, k and v projections of an attention block into
// one projection over a #llm.concat weight, and leaves alone any group whose
// roles are not certain or whose weights cannot be concatenated.
//
// RUN: llm-opt %s -split-input-file -llm-fuse-qkv | FileCheck %s

// CHECK-LABEL: module @merges_one_block
// CHECK: llm.weight @l0.self_attn.v_proj.weight : tensor<16x32xbf16>
// CHECK-NEXT: llm.weight @l0.self_attn.qkv_proj.weight : tensor<64x32xbf16> = #llm.concat<[@l0.self_attn.q_proj.weight, @l0.self_attn.k_proj.weight, @l0.self_attn.v_proj.weight]>
// CHECK-NEXT: llm.weight @l0.self_attn.o_proj.weight
// CHECK: func.func @forward(%[[H:.+]]: tensor<?x32xf32>, %[[POS:.+]]: tensor<?xi32>, %[[CACHE:.+]]: !llm.kv_cache
// CHECK-NOT: weight @l0.self_attn.{{[qkv]}}_proj.weight
// CHECK: %[[QKV:.+]] = llm.linear %[[H]] weight @l0.self_attn.qkv_proj.weight : tensor<?x32xf32> -> tensor<?x64xf32>
// CHECK-NEXT: %[[SPLIT:.+]]:3 = llm.split %[[QKV]] : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
// CHECK-NEXT: %[[QR:.+]] = llm.rope %[[SPLIT]]#0, %[[POS]] num_heads 4
// CHECK-NEXT: %[[KR:.+]] = llm.rope %[[SPLIT]]#1, %[[POS]] num_heads 2
// CHECK-NEXT: %[[C1:.+]] = llm.kv_cache_write %[[CACHE]], %[[KR]], %[[SPLIT]]#2, %[[POS]] layer 0
// CHECK-NEXT: llm.attention %[[QR]], %[[C1]]
// CHECK-NOT: weight @l0.self_attn.{{[qkv]}}_proj.weight
module @merges_one_block {
  llm.weight @"l0.self_attn.q_proj.weight" : tensor<32x32xbf16>
  llm.weight @"l0.self_attn.k_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.v_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.o_proj.weight" : tensor<32x32xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @"l0.self_attn.q_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @"l0.self_attn.k_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @"l0.self_attn.v_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    %o = llm.linear %a weight @"l0.self_attn.o_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    return %o, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// The roles come from the structure, not the names: the linears appear in
// another order and their weights have short names, which name the merged
// weight by their common prefix ("" here) and the role, made unique because
// @qkv is taken.
// CHECK-LABEL: module @names_and_order
// CHECK: llm.weight @qkv : tensor<8x32xbf16>
// CHECK: llm.weight @qkv_0 : tensor<64x32xbf16> = #llm.concat<[@wq, @wk, @wv]>
// CHECK: llm.linear %{{.+}} weight @qkv_0 : tensor<?x32xf32> -> tensor<?x64xf32>
// CHECK-NOT: weight @w{{[qkv]}}
module @names_and_order {
  llm.weight @qkv : tensor<8x32xbf16>
  llm.weight @wv : tensor<16x32xbf16>
  llm.weight @wk : tensor<16x32xbf16>
  llm.weight @wq : tensor<32x32xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %v = llm.linear %h weight @wv : tensor<?x32xf32> -> tensor<?x16xf32>
    %k = llm.linear %h weight @wk : tensor<?x32xf32> -> tensor<?x16xf32>
    %q = llm.linear %h weight @wq : tensor<?x32xf32> -> tensor<?x32xf32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Two functions with the same block share one derived weight.
// CHECK-LABEL: module @reuses_derived_weight
// CHECK-COUNT-1: #llm.concat
// CHECK-NOT: #llm.concat
// CHECK-LABEL: func.func @first
// CHECK: llm.linear %{{.+}} weight @qkv :
// CHECK-LABEL: func.func @second
// CHECK: llm.linear %{{.+}} weight @qkv :
module @reuses_derived_weight {
  llm.weight @q : tensor<32x32xbf16>
  llm.weight @k : tensor<16x32xbf16>
  llm.weight @v : tensor<16x32xbf16>
  func.func @first(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                   %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @q : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @v : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style interleaved : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style interleaved : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
  func.func @second(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @q : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @v : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style interleaved : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style interleaved : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Left alone: k and v are projections of different inputs.
// CHECK-LABEL: module @different_inputs
// CHECK-NOT: llm.split
// CHECK-NOT: #llm.concat
module @different_inputs {
  llm.weight @q : tensor<32x32xbf16>
  llm.weight @k : tensor<16x32xbf16>
  llm.weight @v : tensor<16x32xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %h2: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @q : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h2 weight @v : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Left alone: no attention reads the written cache, so nothing says which
// projection is q.
// CHECK-LABEL: module @no_query
// CHECK-NOT: llm.split
module @no_query {
  llm.weight @k : tensor<16x32xbf16>
  llm.weight @v : tensor<16x32xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32> {
    %k = llm.linear %h weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @v : tensor<?x32xf32> -> tensor<?x16xf32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    return %c1 : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Left alone: the weights have different element types, so no single derived
// weight can hold them.
// CHECK-LABEL: module @mixed_element_types
// CHECK-NOT: llm.split
// CHECK-NOT: #llm.concat
module @mixed_element_types {
  llm.weight @q : tensor<32x32xbf16>
  llm.weight @k : tensor<16x32xf32>
  llm.weight @v : tensor<16x32xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @q : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @v : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Qwen2 biases merge with the weights into one #llm.concat vector; Qwen3's
// head norms between the projections and RoPE do not hide the roles.
// CHECK-LABEL: module @merges_biases_through_head_norms
// CHECK: llm.weight @l0.self_attn.qkv_proj.weight : tensor<64x32xbf16> = #llm.concat
// CHECK: llm.weight @l0.self_attn.qkv_proj.bias : tensor<64xbf16> = #llm.concat<[@l0.self_attn.q_proj.bias, @l0.self_attn.k_proj.bias, @l0.self_attn.v_proj.bias]>
// CHECK: %[[QKV:.+]] = llm.linear %{{.+}} weight @l0.self_attn.qkv_proj.weight bias @l0.self_attn.qkv_proj.bias : tensor<?x32xf32> -> tensor<?x64xf32>
// CHECK-NEXT: %[[SPLIT:.+]]:3 = llm.split %[[QKV]]
// CHECK-NEXT: llm.head_rms_norm %[[SPLIT]]#0 weight @l0.self_attn.q_norm.weight
// CHECK-NEXT: llm.head_rms_norm %[[SPLIT]]#1 weight @l0.self_attn.k_norm.weight
module @merges_biases_through_head_norms {
  llm.weight @"l0.self_attn.q_proj.weight" : tensor<32x32xbf16>
  llm.weight @"l0.self_attn.k_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.v_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.q_proj.bias" : tensor<32xbf16>
  llm.weight @"l0.self_attn.k_proj.bias" : tensor<16xbf16>
  llm.weight @"l0.self_attn.v_proj.bias" : tensor<16xbf16>
  llm.weight @"l0.self_attn.q_norm.weight" : tensor<8xbf16>
  llm.weight @"l0.self_attn.k_norm.weight" : tensor<8xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @"l0.self_attn.q_proj.weight" bias @"l0.self_attn.q_proj.bias" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @"l0.self_attn.k_proj.weight" bias @"l0.self_attn.k_proj.bias" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @"l0.self_attn.v_proj.weight" bias @"l0.self_attn.v_proj.bias" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qn = llm.head_rms_norm %q weight @"l0.self_attn.q_norm.weight" head_dim 8 eps 1.0e-5 : tensor<?x32xf32>
    %kn = llm.head_rms_norm %k weight @"l0.self_attn.k_norm.weight" head_dim 8 eps 1.0e-5 : tensor<?x16xf32>
    %qr = llm.rope %qn, %pos num_heads 4 head_dim 8 theta 1.0e6 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %kn, %pos num_heads 2 head_dim 8 theta 1.0e6 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// A bias on k alone cannot merge: the group stays as it is.
// CHECK-LABEL: module @bias_on_some
// CHECK-NOT: qkv_proj
module @bias_on_some {
  llm.weight @"l0.self_attn.q_proj.weight" : tensor<32x32xbf16>
  llm.weight @"l0.self_attn.k_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.v_proj.weight" : tensor<16x32xbf16>
  llm.weight @"l0.self_attn.k_proj.bias" : tensor<16xbf16>
  func.func @forward(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %q = llm.linear %h weight @"l0.self_attn.q_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k = llm.linear %h weight @"l0.self_attn.k_proj.weight" bias @"l0.self_attn.k_proj.bias" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v = llm.linear %h weight @"l0.self_attn.v_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr = llm.rope %q, %pos num_heads 4 head_dim 8 theta 1.0e6 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr = llm.rope %k, %pos num_heads 2 head_dim 8 theta 1.0e6 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %c1 = llm.kv_cache_write %cache, %kr, %v, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a = llm.attention %qr, %c1, %pos layer 0 num_heads 4 scale 0.35
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
    return %a, %c1 : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}
