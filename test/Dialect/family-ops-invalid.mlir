// One case per verifier error of what the model families add to the llm ops.
//
// RUN: llm-opt %s -split-input-file -verify-diagnostics

llm.weight @w : tensor<16x32xbf16>
llm.weight @b : tensor<32xbf16>
func.func @bias_shape(%x: tensor<?x32xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{'llm.linear' op bias @b has shape [32] but llm.linear needs [16] (out=16)}}
  %y = llm.linear %x weight @w bias @b : tensor<?x32xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

llm.weight @qn : tensor<8xbf16>
func.func @head_dim_divides(%x: tensor<?x36xf32>) -> tensor<?x36xf32> {
  // expected-error @+1 {{'llm.head_rms_norm' op attribute 'head_dim' (8) must divide the dim of operand 'x' (36) into whole heads}}
  %y = llm.head_rms_norm %x weight @qn head_dim 8 eps 1.0e-5 : tensor<?x36xf32>
  return %y : tensor<?x36xf32>
}

// -----

llm.weight @qn : tensor<16xbf16>
func.func @head_norm_weight(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'llm.head_rms_norm' op weight @qn has shape [16] but llm.head_rms_norm needs [8] (head_dim=8)}}
  %y = llm.head_rms_norm %x weight @qn head_dim 8 eps 1.0e-5 : tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @window_positive(%q: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'llm.attention' op attribute 'window' must be positive, got 0}}
  %a = llm.attention %q, %c, %pos layer 0 num_heads 4 scale 0.35 window 0
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32>
  return %a : tensor<?x32xf32>
}

// -----

llm.weight @qkv : tensor<64x32xbf16>
llm.weight @qn : tensor<8xbf16>
func.func @norms_together(%x: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'llm.qkv_rope_cache' op attributes 'q_norm', 'k_norm' and 'norm_eps' must be given together or not at all}}
  %q, %c1 = llm.qkv_rope_cache %x, %c, %pos weight @qkv q_norm @qn norm_eps 1.0e-5
      layer 0 num_heads 4 theta 1.0e6 style half_split
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return %q : tensor<?x32xf32>
}

// -----

llm.weight @qkv : tensor<64x32xbf16>
llm.weight @bias : tensor<48xbf16>
func.func @fused_bias_shape(%x: tensor<?x32xf32>, %pos: tensor<?xi32>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'llm.qkv_rope_cache' op bias @bias has shape [48] but llm.qkv_rope_cache needs [64]}}
  %q, %c1 = llm.qkv_rope_cache %x, %c, %pos weight @qkv bias @bias
      layer 0 num_heads 4 theta 1.0e6 style half_split
      : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
  return %q : tensor<?x32xf32>
}

// -----

llm.weight @a : tensor<16xbf16>
llm.weight @b : tensor<16x32xbf16>
// expected-error @+1 {{'llm.weight' op derived weight @ab: its sources do not combine: source 1 has shape [16, 32] but source 0 is a vector}}
llm.weight @ab : tensor<32xbf16> = #llm.concat<[@a, @b]>
