// Round-trips what the model families add to the llm ops (q/k/v biases,
// per-head q/k RMSNorm, sliding-window attention, their fused form and the
// concatenated bias vector) through the custom assembly format and the
// generic op form.
//
// RUN: llm-opt %s -split-input-file | llm-opt -split-input-file | FileCheck %s
// RUN: llm-opt %s -split-input-file --mlir-print-op-generic \
// RUN:   | llm-opt -split-input-file | FileCheck %s

llm.weight @w : tensor<16x32xbf16>
llm.weight @b : tensor<16xbf16>

// CHECK-LABEL: func.func @linear_bias
// CHECK: llm.linear %{{.+}} weight @w bias @b : tensor<?x32xf32> -> tensor<?x16xf32>
// CHECK: llm.linear %{{.+}} weight @w : tensor<?x32xf32> -> tensor<?x16xf32>
func.func @linear_bias(%x: tensor<?x32xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %y = llm.linear %x weight @w bias @b : tensor<?x32xf32> -> tensor<?x16xf32>
  %z = llm.linear %x weight @w : tensor<?x32xf32> -> tensor<?x16xf32>
  return %y, %z : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

llm.weight @qn : tensor<8xbf16>

// CHECK-LABEL: func.func @head_rms_norm
// CHECK: llm.head_rms_norm %{{.+}} weight @qn head_dim 8 eps 1.000000e-05 : tensor<?x32xf32>
func.func @head_rms_norm(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %y = llm.head_rms_norm %x weight @qn head_dim 8 eps 1.0e-5 : tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// CHECK-LABEL: func.func @sliding_window
// CHECK: llm.attention %{{.+}} layer 0 num_heads 4 scale 3.500000e-01 window 5 :
// CHECK: llm.attention %{{.+}} layer 0 num_heads 4 scale 3.500000e-01 :
func.func @sliding_window(%q: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %a = llm.attention %q, %c, %pos layer 0 num_heads 4 scale 0.35 window 5
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  %b = llm.attention %q, %c, %pos layer 0 num_heads 4 scale 0.35
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a, %b : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

llm.weight @q.bias : tensor<32xbf16>
llm.weight @k.bias : tensor<16xbf16>
llm.weight @v.bias : tensor<16xbf16>
// CHECK: llm.weight @qkv.bias : tensor<64xbf16> = #llm.concat<[@q.bias, @k.bias, @v.bias]>
llm.weight @qkv.bias : tensor<64xbf16> = #llm.concat<[@q.bias, @k.bias, @v.bias]>
llm.weight @qkv : tensor<64x32xbf16>
llm.weight @qn : tensor<8xbf16>
llm.weight @kn : tensor<8xbf16>

// CHECK-LABEL: func.func @qkv_rope_cache_family
// CHECK: llm.qkv_rope_cache %{{.+}}, %{{.+}}, %{{.+}} weight @qkv bias @qkv.bias q_norm @qn k_norm @kn norm_eps 1.000000e-05 layer 0 num_heads 4 theta 1.000000e+06 style half_split :
func.func @qkv_rope_cache_family(%x: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> tensor<?x32xf32> {
  %q, %c1 = llm.qkv_rope_cache %x, %c, %pos weight @qkv bias @qkv.bias
      q_norm @qn k_norm @kn norm_eps 1.0e-5 layer 0 num_heads 4 theta 1.0e6
      style half_split
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return %q : tensor<?x32xf32>
}
