// One case per verifier error of the derived weights, the llm.phase attribute
// and the ops the fusion passes produce.
//
// RUN: llm-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Derived weights
//===----------------------------------------------------------------------===//

llm.weight @q : tensor<32x32xbf16>
// expected-error @+1 {{#llm.concat needs at least two source weights}}
llm.weight @qkv : tensor<32x32xbf16> = #llm.concat<[@q]>

// -----

llm.weight @q : tensor<32x32xbf16>
// expected-error @+1 {{#llm.interleave_rows sources must be weight symbols (@name), got 1 : i64}}
llm.weight @gu : tensor<64x32xbf16> = #llm.interleave_rows<[@q, 1]>

// -----

llm.weight @q : tensor<32x32xbf16>
// expected-error @+1 {{'llm.weight' op derived weight @qkv has source @missing, which is not an llm.weight}}
llm.weight @qkv : tensor<64x32xbf16> = #llm.concat<[@q, @missing]>

// -----

llm.weight @a : tensor<32x32xbf16>
llm.weight @b : tensor<32x32xbf16>
llm.weight @ab : tensor<64x32xbf16> = #llm.concat<[@a, @b]>
// expected-error @+1 {{'llm.weight' op derived weight @aba has source @ab, which is itself derived}}
llm.weight @aba : tensor<96x32xbf16> = #llm.concat<[@ab, @a]>

// -----

llm.weight @q : tensor<32x32xbf16>
llm.weight @k : tensor<16x32xf32>
// expected-error @+1 {{'llm.weight' op derived weight @qk has element type 'bf16' but its source @k has 'f32'}}
llm.weight @qk : tensor<48x32xbf16> = #llm.concat<[@q, @k]>

// -----

llm.weight @q : tensor<32x32xbf16>
llm.weight @k : tensor<16x16xbf16>
// expected-error @+1 {{'llm.weight' op derived weight @qk: its sources do not combine: source 1 has 16 columns but source 0 has 32}}
llm.weight @qk : tensor<48x32xbf16> = #llm.concat<[@q, @k]>

// -----

llm.weight @gate : tensor<96x32xbf16>
llm.weight @up : tensor<64x32xbf16>
// expected-error @+1 {{'llm.weight' op derived weight @gate_up: its sources do not combine: interleaved sources must have the same number of rows, but source 1 has 64 and source 0 has 96}}
llm.weight @gate_up : tensor<160x32xbf16> = #llm.interleave_rows<[@gate, @up]>

// -----

llm.weight @q : tensor<32x32xbf16>
llm.weight @k : tensor<16x32xbf16>
// expected-error @+1 {{'llm.weight' op derived weight @qk has shape [40, 32] but its sources combine to [48, 32]}}
llm.weight @qk : tensor<40x32xbf16> = #llm.concat<[@q, @k]>

// -----

// expected-error @+1 {{attribute 'llm.phase' must be "prefill" or "decode", got "train"}}
func.func @bad_phase() attributes {llm.phase = "train"} {
  return
}

//===----------------------------------------------------------------------===//
// llm.split
//===----------------------------------------------------------------------===//

// -----

func.func @split_one_result(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.split' op must have at least two results, got 1}}
  %a = llm.split %x : tensor<?x64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @split_widths(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.split' op result dims add up to 40 but operand 'x' has dim 64}}
  %a, %b = llm.split %x : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<?x8xf32>
  return
}

// -----

func.func @split_interleaved_widths(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.split' op interleaved results must have the same dim, but result #1 has 16 and result #0 has 48}}
  %a, %b = llm.split %x interleaved : tensor<?x64xf32> -> tensor<?x48xf32>, tensor<?x16xf32>
  return
}

// -----

func.func @split_tokens(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.split' op result token dim (4) must equal the token dim of operand 'x' (?)}}
  %a, %b = llm.split %x : tensor<?x64xf32> -> tensor<?x32xf32>, tensor<4x32xf32>
  return
}

//===----------------------------------------------------------------------===//
// llm.add_rms_norm
//===----------------------------------------------------------------------===//

// -----

llm.weight @norm : tensor<32xf32>
func.func @add_rms_norm_eps(%r: tensor<?x32xf32>, %x: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.add_rms_norm' op attribute 'eps' must be positive, got 0}}
  %s, %n = llm.add_rms_norm %r, %x weight @norm eps 0.0 : tensor<?x32xf32>
  return
}

// -----

llm.weight @norm : tensor<16xf32>
func.func @add_rms_norm_weight(%r: tensor<?x32xf32>, %x: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.add_rms_norm' op weight @norm has shape [16] but llm.add_rms_norm needs [32] (dim=32)}}
  %s, %n = llm.add_rms_norm %r, %x weight @norm eps 1.0e-5 : tensor<?x32xf32>
  return
}

// -----

llm.weight @norm : tensor<32xf32>
func.func @add_rms_norm_types(%r: tensor<?x32xf32>, %x: tensor<4x32xf32>) {
  // expected-error @+1 {{'llm.add_rms_norm' op failed to verify that all of {residual, x, sum, normed} have same type}}
  %s, %n = "llm.add_rms_norm"(%r, %x) <{weight = @norm, eps = 1.0e-5 : f64}>
      : (tensor<?x32xf32>, tensor<4x32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>)
  return
}

//===----------------------------------------------------------------------===//
// llm.linear_add and llm.gate_up_swiglu
//===----------------------------------------------------------------------===//

// -----

llm.weight @down : tensor<32x32xbf16>
func.func @linear_add_weight(%m: tensor<?x64xf32>, %r: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.linear_add' op weight @down has shape [32, 32] but llm.linear_add needs [32, 64] (out=32, in=64)}}
  %0 = llm.linear_add %m weight @down residual %r : tensor<?x64xf32> -> tensor<?x32xf32>
  return
}

// -----

llm.weight @down : tensor<32x64xbf16>
func.func @linear_add_tokens(%m: tensor<4x64xf32>, %r: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.linear_add' op result token dim (?) must equal the token dim of operand 'x' (4)}}
  %0 = llm.linear_add %m weight @down residual %r : tensor<4x64xf32> -> tensor<?x32xf32>
  return
}

// -----

llm.weight @gate_up : tensor<96x32xbf16>
func.func @gate_up_swiglu_weight(%h: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.gate_up_swiglu' op weight @gate_up has shape [96, 32] but llm.gate_up_swiglu needs [192, 32] (2 * ffn=96 interleaved gate/up rows, in=32)}}
  %0 = llm.gate_up_swiglu %h weight @gate_up : tensor<?x32xf32> -> tensor<?x96xf32>
  return
}

//===----------------------------------------------------------------------===//
// llm.qkv_rope_cache
//===----------------------------------------------------------------------===//

// -----

llm.weight @qkv : tensor<64x32xbf16>
func.func @qkv_layer(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op attribute 'layer' must be in [0, 2) for a cache of 2 layers, got 2}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 2 num_heads 4 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return
}

// -----

llm.weight @qkv : tensor<56x32xbf16>
func.func @qkv_groups(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                      %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op attribute 'num_heads' (3) must be a multiple of the cache's kv_heads (2) for grouped-query attention}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 3 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x24xf32>
  return
}

// -----

llm.weight @qkv : tensor<42x32xbf16>
func.func @qkv_odd_head_dim(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                            %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 7, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op the cache's head_dim must be even (RoPE rotates pairs), got 7}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 2 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 7, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x14xf32>
  return
}

// -----

llm.weight @qkv : tensor<64x32xbf16>
func.func @qkv_q_dim(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op result 'q' dim 1 must be 32 (num_heads * the cache's head_dim = 4 * 8), got 24}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 4 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x24xf32>
  return
}

// -----

llm.weight @qkv : tensor<64x32xbf16>
func.func @qkv_positions(%h: tensor<3x32xf32>, %pos: tensor<4xi32>,
                         %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op token dims of operand 'x' (3) and operand 'positions' (4) must agree}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 4 theta 1.0e4 style interleaved
      : tensor<3x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<4xi32> -> tensor<3x32xf32>
  return
}

// -----

llm.weight @qkv : tensor<32x32xbf16>
func.func @qkv_weight(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                      %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op weight @qkv has shape [32, 32] but llm.qkv_rope_cache needs [64, 32] ((num_heads + 2 * kv_heads) * head_dim = (4 + 2 * 2) * 8, in=32)}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 4 theta 1.0e4 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return
}

// -----

llm.weight @qkv : tensor<64x32xbf16>
func.func @qkv_theta(%h: tensor<?x32xf32>, %pos: tensor<?xi32>,
                     %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
  // expected-error @+1 {{'llm.qkv_rope_cache' op attribute 'theta' must be positive, got -1}}
  %q, %c1 = llm.qkv_rope_cache %h, %c, %pos weight @qkv layer 0 num_heads 4 theta -1.0 style interleaved
      : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return
}
