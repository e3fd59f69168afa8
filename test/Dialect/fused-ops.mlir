// Round-trips the derived-weight attributes and the ops the fusion passes
// produce through the custom assembly format and the generic op form.
//
// RUN: llm-opt %s -split-input-file | llm-opt -split-input-file | FileCheck %s
// RUN: llm-opt %s -split-input-file --mlir-print-op-generic \
// RUN:   | llm-opt -split-input-file | FileCheck %s
// RUN: llm-opt %s -split-input-file --mlir-print-op-generic \
// RUN:   | FileCheck %s --check-prefix=GENERIC

// CHECK: llm.weight @q : tensor<32x32xbf16>
// CHECK: llm.weight @qkv : tensor<64x32xbf16> = #llm.concat<[@q, @k, @v]>
// CHECK: llm.weight @gate_up : tensor<192x32xbf16> = #llm.interleave_rows<[@gate, @up]>
// GENERIC: "llm.weight"() <{derivation = #llm.concat<[@q, @k, @v]>, sym_name = "qkv", type = tensor<64x32xbf16>}>
llm.weight @q : tensor<32x32xbf16>
llm.weight @k : tensor<16x32xbf16>
llm.weight @v : tensor<16x32xbf16>
llm.weight @qkv : tensor<64x32xbf16> = #llm.concat<[@q, @k, @v]>
llm.weight @gate : tensor<96x32xbf16>
llm.weight @up : tensor<96x32xbf16>
llm.weight @gate_up : tensor<192x32xbf16> = #llm.interleave_rows<[@gate, @up]>

// -----

// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>, %[[Y:.+]]: tensor<3x192xf32>)
// CHECK: llm.split %[[X]] : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
// CHECK: llm.split %[[Y]] interleaved : tensor<3x192xf32> -> tensor<3x96xf32>, tensor<3x96xf32>
// GENERIC: "llm.split"(%{{.+}}) <{interleaved}> : (tensor<3x192xf32>) -> (tensor<3x96xf32>, tensor<3x96xf32>)
func.func @split(%x: tensor<?x64xf32>, %y: tensor<3x192xf32>) -> (tensor<?x16xf32>, tensor<3x96xf32>) {
  %q, %k, %v = llm.split %x : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  %g, %u = llm.split %y interleaved : tensor<3x192xf32> -> tensor<3x96xf32>, tensor<3x96xf32>
  return %v, %u : tensor<?x16xf32>, tensor<3x96xf32>
}

// -----

llm.weight @norm : tensor<32xf32>

// CHECK-LABEL: func.func @add_rms_norm
// CHECK: %[[SUM:.+]], %[[NORMED:.+]] = llm.add_rms_norm %{{.+}}, %{{.+}} weight @norm eps 1.000000e-05 : tensor<?x32xf32>
// CHECK: return %[[SUM]], %[[NORMED]]
func.func @add_rms_norm(%r: tensor<?x32xf32>, %x: tensor<?x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %sum, %normed = llm.add_rms_norm %r, %x weight @norm eps 1.0e-5 : tensor<?x32xf32>
  return %sum, %normed : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

llm.weight @down : tensor<32x96xbf16>

// CHECK-LABEL: func.func @linear_add
// CHECK-SAME: (%[[M:.+]]: tensor<?x96xf32>, %[[R:.+]]: tensor<?x32xf32>)
// CHECK: llm.linear_add %[[M]] weight @down residual %[[R]] : tensor<?x96xf32> -> tensor<?x32xf32>
func.func @linear_add(%m: tensor<?x96xf32>, %r: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = llm.linear_add %m weight @down residual %r : tensor<?x96xf32> -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

llm.weight @gate_up : tensor<192x32xbf16>

// CHECK-LABEL: func.func @gate_up_swiglu
// CHECK: llm.gate_up_swiglu %{{.+}} weight @gate_up : tensor<8x32xf32> -> tensor<8x96xf32>
func.func @gate_up_swiglu(%h: tensor<8x32xf32>) -> tensor<8x96xf32> {
  %0 = llm.gate_up_swiglu %h weight @gate_up : tensor<8x32xf32> -> tensor<8x96xf32>
  return %0 : tensor<8x96xf32>
}

// -----

llm.weight @qkv : tensor<64x32xbf16>

// CHECK-LABEL: func.func @qkv_rope_cache
// CHECK: %[[Q:.+]], %[[C:.+]] = llm.qkv_rope_cache %{{.+}}, %{{.+}}, %{{.+}} weight @qkv layer 1 num_heads 4 theta 1.000000e+04 style interleaved : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
// CHECK: llm.qkv_rope_cache {{.+}} style half_split scaling <llama3, factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 8192> :
// GENERIC: "llm.qkv_rope_cache"(%{{.+}}, %{{.+}}, %{{.+}}) <{layer = 1 : i64, num_heads = 4 : i64, style = #llm<rope_style interleaved>, theta = 1.000000e+04 : f64, weight = @qkv}>
func.func @qkv_rope_cache(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                          %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
    -> (tensor<?x32xf32>, tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 1 num_heads 4 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  %q2, %c2 = llm.qkv_rope_cache %h, %c1, %pos weight @qkv layer 0 num_heads 4 theta 5.0e5 style half_split
      scaling <llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192>
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return %q, %q2, %c2 : tensor<?x32xf32>, tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
}

// -----

// CHECK-LABEL: func.func @phases
// CHECK-SAME: attributes {llm.phase = "decode"}
func.func @phases() attributes {llm.phase = "decode"} {
  return
}
