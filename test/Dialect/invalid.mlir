// One case per verifier error of the llm dialect: its type, its attributes,
// every op, and the weights the ops name.
//
// RUN: llm-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// !llm.kv_cache
//===----------------------------------------------------------------------===//

// expected-error @+1 {{!llm.kv_cache layers must be positive, got 0}}
func.func @cache_layers(%c: !llm.kv_cache<layers = 0, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)

// -----

// expected-error @+1 {{!llm.kv_cache kv_heads must be positive, got -2}}
func.func @cache_kv_heads(%c: !llm.kv_cache<layers = 2, kv_heads = -2, head_dim = 8, max_seq_len = 16, f32>)

// -----

// expected-error @+1 {{!llm.kv_cache head_dim must be positive, got 0}}
func.func @cache_head_dim(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 0, max_seq_len = 16, f32>)

// -----

// expected-error @+1 {{!llm.kv_cache max_seq_len must be positive, got 0}}
func.func @cache_max_seq_len(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 0, f32>)

// -----

// expected-error @+1 {{!llm.kv_cache element type must be f32, f16 or bf16, got 'i8'}}
func.func @cache_element_type(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 16, i8>)

// -----

//===----------------------------------------------------------------------===//
// #llm.rope_scaling and llm.model_name
//===----------------------------------------------------------------------===//

// expected-error @+1 {{#llm.rope_scaling factor must be >= 1, got 0.5}}
func.func @scaling_factor() attributes {s = #llm.rope_scaling<llama3, factor = 0.5, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{#llm.rope_scaling low_freq_factor must be positive, got 0}}
func.func @scaling_low() attributes {s = #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 0.0, high_freq_factor = 4.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{#llm.rope_scaling low_freq_factor (4) must be less than high_freq_factor (1)}}
func.func @scaling_low_high() attributes {s = #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_position = 8192>}

// -----

// expected-error @+1 {{#llm.rope_scaling original_max_position must be positive, got 0}}
func.func @scaling_max_position() attributes {s = #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position = 0>}

// -----

// expected-error @+1 {{attribute 'llm.model_name' must be a string, got 15 : i64}}
module attributes {llm.model_name = 15} {
}

// -----

//===----------------------------------------------------------------------===//
// llm.weight
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'llm.weight' op weight @w must have a static shape, got 'tensor<?x8xf32>'}}
llm.weight @w : tensor<?x8xf32>

// -----

// expected-error @+1 {{'llm.weight' op weight @w element type must be bf16, f16 or f32, got 'i8'}}
llm.weight @w : tensor<8x8xi8>

// -----

func.func @weight_in_function() {
  // expected-error @+1 {{'llm.weight' op expects parent op 'builtin.module'}}
  llm.weight @w : tensor<8x8xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.embed
//===----------------------------------------------------------------------===//

llm.weight @table : tensor<100x64xf32>
func.func @embed_dynamic_dim(%t: tensor<?xi32>) {
  // expected-error @+1 {{'llm.embed' op result must have a static dim 1 (only the token dim may be dynamic), got 'tensor<?x?xf32>'}}
  %0 = llm.embed %t table @table : tensor<?xi32> -> tensor<?x?xf32>
  return
}

// -----

llm.weight @table : tensor<100x64xf32>
func.func @embed_tokens(%t: tensor<4xi32>) {
  // expected-error @+1 {{'llm.embed' op result token dim (5) must equal the token dim of operand 'tokens' (4)}}
  %0 = llm.embed %t table @table : tensor<4xi32> -> tensor<5x64xf32>
  return
}

// -----

llm.weight @table : tensor<100x64xf32>
func.func @embed_token_type(%t: tensor<?xi64>) {
  // expected-error @+1 {{'llm.embed' op operand #0 must be 1D tensor of 32-bit signless integer values, but got 'tensor<?xi64>'}}
  %0 = llm.embed %t table @table : tensor<?xi64> -> tensor<?x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.rms_norm
//===----------------------------------------------------------------------===//

llm.weight @norm : tensor<64xf32>
func.func @rms_norm_eps(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op attribute 'eps' must be positive, got 0}}
  %0 = llm.rms_norm %x weight @norm eps 0.0 : tensor<?x64xf32>
  return
}

// -----

llm.weight @norm : tensor<64xf32>
func.func @rms_norm_dynamic_dim(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op operand 'x' must have a static dim 1 (only the token dim may be dynamic), got 'tensor<?x?xf32>'}}
  %0 = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x?xf32>
  return
}

// -----

llm.weight @norm : tensor<64xf32>
func.func @rms_norm_result(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op result type 'tensor<4x64xf32>' must equal the type of operand 'x' 'tensor<?x64xf32>'}}
  %0 = "llm.rms_norm"(%x) <{eps = 1.0e-5 : f64, weight = @norm}> : (tensor<?x64xf32>) -> tensor<4x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.linear
//===----------------------------------------------------------------------===//

llm.weight @w : tensor<32x64xf32>
func.func @linear_tokens(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result token dim (3) must equal the token dim of operand 'x' (?)}}
  %0 = llm.linear %x weight @w : tensor<?x64xf32> -> tensor<3x32xf32>
  return
}

// -----

llm.weight @w : tensor<32x64xf32>
func.func @linear_dynamic_out(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.linear' op result must have a static dim 1 (only the token dim may be dynamic), got 'tensor<?x?xf32>'}}
  %0 = llm.linear %x weight @w : tensor<?x64xf32> -> tensor<?x?xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.rope
//===----------------------------------------------------------------------===//

func.func @rope_num_heads(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op attribute 'num_heads' must be positive, got 0}}
  %0 = llm.rope %x, %p num_heads 0 head_dim 16 theta 1.0e4 style interleaved : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_head_dim_positive(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op attribute 'head_dim' must be positive, got -16}}
  %0 = llm.rope %x, %p num_heads 4 head_dim -16 theta 1.0e4 style interleaved : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_head_dim_odd(%x: tensor<?x63xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op attribute 'head_dim' must be even (RoPE rotates pairs), got 21}}
  %0 = llm.rope %x, %p num_heads 3 head_dim 21 theta 1.0e4 style interleaved : tensor<?x63xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_theta(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op attribute 'theta' must be positive, got -1}}
  %0 = llm.rope %x, %p num_heads 4 head_dim 16 theta -1.0 style interleaved : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_width(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.rope' op operand 'x' dim 1 must be 96 (num_heads * head_dim = 6 * 16), got 64}}
  %0 = llm.rope %x, %p num_heads 6 head_dim 16 theta 1.0e4 style half_split : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

func.func @rope_positions(%x: tensor<3x64xf32>, %p: tensor<4xi32>) {
  // expected-error @+1 {{'llm.rope' op token dims of operand 'x' (3) and operand 'positions' (4) must agree}}
  %0 = llm.rope %x, %p num_heads 4 head_dim 16 theta 1.0e4 style interleaved : tensor<3x64xf32>, tensor<4xi32>
  return
}

// -----

func.func @rope_result(%x: tensor<3x64xf32>, %p: tensor<3xi32>) {
  // expected-error @+1 {{'llm.rope' op result type 'tensor<?x64xf32>' must equal the type of operand 'x' 'tensor<3x64xf32>'}}
  %0 = "llm.rope"(%x, %p) <{head_dim = 16 : i64, num_heads = 4 : i64, style = #llm<rope_style interleaved>, theta = 1.0e4 : f64}> : (tensor<3x64xf32>, tensor<3xi32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @rope_style(%x: tensor<?x64xf32>, %p: tensor<?xi32>) {
  // expected-error @+2 {{expected ::mlir::llm::RopeStyle to be one of: interleaved, half_split}}
  // expected-error @+1 {{failed to parse LLM_RopeStyleAttr parameter 'value'}}
  %0 = llm.rope %x, %p num_heads 4 head_dim 16 theta 1.0e4 style rotate_half : tensor<?x64xf32>, tensor<?xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.kv_cache_write
//===----------------------------------------------------------------------===//

func.func @write_layer(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                       %k: tensor<?x32xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op attribute 'layer' must be in [0, 2) for a cache of 2 layers, got 2}}
  %0 = llm.kv_cache_write %c, %k, %k, %p layer 2 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>
  return
}

// -----

func.func @write_negative_layer(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                                %k: tensor<?x32xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op attribute 'layer' must be in [0, 2) for a cache of 2 layers, got -1}}
  %0 = llm.kv_cache_write %c, %k, %k, %p layer -1 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>
  return
}

// -----

func.func @write_k_width(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                         %k: tensor<?x64xf32>, %v: tensor<?x32xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op operand 'k' dim 1 must be 32 (the cache's kv_heads * head_dim = 2 * 16), got 64}}
  %0 = llm.kv_cache_write %c, %k, %v, %p layer 0 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x64xf32>, tensor<?x32xf32>, tensor<?xi32>
  return
}

// -----

func.func @write_v_width(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                         %k: tensor<?x32xf32>, %v: tensor<?x48xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op operand 'v' dim 1 must be 32 (the cache's kv_heads * head_dim = 2 * 16), got 48}}
  %0 = llm.kv_cache_write %c, %k, %v, %p layer 0 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x48xf32>, tensor<?xi32>
  return
}

// -----

func.func @write_tokens(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                        %k: tensor<2x32xf32>, %v: tensor<?x32xf32>, %p: tensor<3xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op token dims of operand 'k' (2) and operand 'positions' (3) must agree}}
  %0 = llm.kv_cache_write %c, %k, %v, %p layer 0 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<2x32xf32>, tensor<?x32xf32>, tensor<3xi32>
  return
}

// -----

func.func @write_result(%c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
                        %k: tensor<?x32xf32>, %p: tensor<?xi32>) {
  // expected-error @+1 {{'llm.kv_cache_write' op result type '!llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>' must equal the type of operand 'cache' '!llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>'}}
  %0 = "llm.kv_cache_write"(%c, %k, %k, %p) <{layer = 0 : i64}> : (!llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>) -> !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.attention
//===----------------------------------------------------------------------===//

func.func @attention_gqa(%q: tensor<?x48xf32>, %p: tensor<?xi32>,
                         %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op attribute 'num_heads' (3) must be a multiple of the cache's kv_heads (2) for grouped-query attention}}
  %0 = llm.attention %q, %c, %p layer 0 num_heads 3 scale 0.25 : tensor<?x48xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
  return
}

// -----

func.func @attention_num_heads(%q: tensor<?x64xf32>, %p: tensor<?xi32>,
                               %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op attribute 'num_heads' must be positive, got 0}}
  %0 = llm.attention %q, %c, %p layer 0 num_heads 0 scale 0.25 : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
  return
}

// -----

func.func @attention_width(%q: tensor<?x64xf32>, %p: tensor<?xi32>,
                           %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op operand 'q' dim 1 must be 128 (num_heads * the cache's head_dim = 8 * 16), got 64}}
  %0 = llm.attention %q, %c, %p layer 0 num_heads 8 scale 0.25 : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
  return
}

// -----

func.func @attention_scale(%q: tensor<?x64xf32>, %p: tensor<?xi32>,
                           %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op attribute 'scale' must be positive, got 0}}
  %0 = llm.attention %q, %c, %p layer 0 num_heads 4 scale 0.0 : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
  return
}

// -----

func.func @attention_layer(%q: tensor<?x64xf32>, %p: tensor<?xi32>,
                           %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op attribute 'layer' must be in [0, 2) for a cache of 2 layers, got 5}}
  %0 = llm.attention %q, %c, %p layer 5 num_heads 4 scale 0.25 : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
  return
}

// -----

func.func @attention_positions(%q: tensor<1x64xf32>, %p: tensor<2xi32>,
                               %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op token dims of operand 'q' (1) and operand 'positions' (2) must agree}}
  %0 = llm.attention %q, %c, %p layer 0 num_heads 4 scale 0.25 : tensor<1x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<2xi32>
  return
}

// -----

func.func @attention_result(%q: tensor<?x64xf32>, %p: tensor<?xi32>,
                            %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
  // expected-error @+1 {{'llm.attention' op result type 'tensor<?x32xf32>' must equal the type of operand 'q' 'tensor<?x64xf32>'}}
  %0 = "llm.attention"(%q, %c, %p) <{layer = 0 : i64, num_heads = 4 : i64, scale = 0.25 : f64}> : (tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>) -> tensor<?x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.swiglu and llm.add
//===----------------------------------------------------------------------===//

func.func @swiglu_operands(%g: tensor<?x64xf32>, %u: tensor<?x32xf32>) {
  // expected-error @+1 {{'llm.swiglu' op operand 'up' type 'tensor<?x32xf32>' must equal the type of operand 'gate' 'tensor<?x64xf32>'}}
  %0 = "llm.swiglu"(%g, %u) : (tensor<?x64xf32>, tensor<?x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @add_result(%a: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.add' op result type 'tensor<2x64xf32>' must equal the type of operand 'lhs' 'tensor<?x64xf32>'}}
  %0 = "llm.add"(%a, %a) : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @add_dynamic_dim(%a: tensor<?x?xf32>) {
  // expected-error @+1 {{'llm.add' op operand 'lhs' must have a static dim 1 (only the token dim may be dynamic), got 'tensor<?x?xf32>'}}
  %0 = llm.add %a, %a : tensor<?x?xf32>
  return
}

// -----

func.func @add_element_type(%a: tensor<?x64xf16>) {
  // expected-error @+1 {{'llm.add' op operand #0 must be 2D tensor of 32-bit float values, but got 'tensor<?x64xf16>'}}
  %0 = llm.add %a, %a : tensor<?x64xf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.logits
//===----------------------------------------------------------------------===//

llm.weight @norm : tensor<64xf32>
llm.weight @head : tensor<100x64xf32>
func.func @logits_eps(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.logits' op attribute 'eps' must be positive, got -1e-05}}
  %0 = llm.logits %x norm @norm eps -1.0e-5 weight @head : tensor<?x64xf32> -> tensor<?x100xf32>
  return
}

// -----

llm.weight @norm : tensor<64xf32>
llm.weight @head : tensor<100x64xf32>
func.func @logits_tokens(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'llm.logits' op result token dim (?) must equal the token dim of operand 'x' (2)}}
  %0 = llm.logits %x norm @norm eps 1.0e-5 weight @head : tensor<2x64xf32> -> tensor<?x100xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.sample
//===----------------------------------------------------------------------===//

func.func @sample_temperature(%l: tensor<?x100xf32>) {
  // expected-error @+1 {{'llm.sample' op attribute 'temperature' must be >= 0 (0 means greedy), got -0.5}}
  %0 = llm.sample %l temperature -0.5 top_k 0 top_p 1.0 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
  return
}

// -----

func.func @sample_top_k(%l: tensor<?x100xf32>) {
  // expected-error @+1 {{'llm.sample' op attribute 'top_k' must be >= 0 (0 means no limit), got -1}}
  %0 = llm.sample %l temperature 1.0 top_k -1 top_p 1.0 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
  return
}

// -----

func.func @sample_top_p_zero(%l: tensor<?x100xf32>) {
  // expected-error @+1 {{'llm.sample' op attribute 'top_p' must be in (0, 1], got 0}}
  %0 = llm.sample %l temperature 1.0 top_k 0 top_p 0.0 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
  return
}

// -----

func.func @sample_top_p_above_one(%l: tensor<?x100xf32>) {
  // expected-error @+1 {{'llm.sample' op attribute 'top_p' must be in (0, 1], got 1.5}}
  %0 = llm.sample %l temperature 1.0 top_k 0 top_p 1.5 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
  return
}

// -----

func.func @sample_tokens(%l: tensor<3x100xf32>) {
  // expected-error @+1 {{'llm.sample' op result token dim (1) must equal the token dim of operand 'logits' (3)}}
  %0 = llm.sample %l temperature 1.0 top_k 0 top_p 1.0 seed 0 : tensor<3x100xf32> -> tensor<1xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Symbol uses: the weights an op names
//===----------------------------------------------------------------------===//

func.func @missing_weight(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.linear' op weight @model.layers.0.mlp.up_proj.weight does not name any symbol}}
  %0 = llm.linear %x weight @"model.layers.0.mlp.up_proj.weight" : tensor<?x64xf32> -> tensor<?x172xf32>
  return
}

// -----

func.func @not_a_weight(%t: tensor<?xi32>) {
  // expected-error @+1 {{'llm.embed' op table @not_a_weight names a 'func.func', not an llm.weight}}
  %0 = llm.embed %t table @not_a_weight : tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

llm.weight @w : tensor<288x288xf32>
func.func @linear_weight_shape(%x: tensor<?x288xf32>) {
  // expected-error @+1 {{'llm.linear' op weight @w has shape [288, 288] but llm.linear needs [768, 288] (out=768, in=288)}}
  %0 = llm.linear %x weight @w : tensor<?x288xf32> -> tensor<?x768xf32>
  return
}

// -----

llm.weight @table : tensor<100x32xbf16>
func.func @embed_table_shape(%t: tensor<?xi32>) {
  // expected-error @+1 {{'llm.embed' op table @table has shape [100, 32] but llm.embed needs [?, 64] (vocab=any, dim=64)}}
  %0 = llm.embed %t table @table : tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

llm.weight @table : tensor<6400xf32>
func.func @embed_table_rank(%t: tensor<?xi32>) {
  // expected-error @+1 {{'llm.embed' op table @table has shape [6400] but llm.embed needs [?, 64] (vocab=any, dim=64)}}
  %0 = llm.embed %t table @table : tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

llm.weight @norm : tensor<32xf32>
func.func @rms_norm_weight_shape(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.rms_norm' op weight @norm has shape [32] but llm.rms_norm needs [64] (dim=64)}}
  %0 = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x64xf32>
  return
}

// -----

llm.weight @norm : tensor<64x1xf32>
llm.weight @head : tensor<100x64xf32>
func.func @logits_norm_shape(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.logits' op norm @norm has shape [64, 1] but llm.logits needs [64] (dim=64)}}
  %0 = llm.logits %x norm @norm eps 1.0e-5 weight @head : tensor<?x64xf32> -> tensor<?x100xf32>
  return
}

// -----

llm.weight @norm : tensor<64xf32>
llm.weight @head : tensor<64x100xf32>
func.func @logits_head_shape(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'llm.logits' op weight @head has shape [64, 100] but llm.logits needs [100, 64] (vocab=100, dim=64)}}
  %0 = llm.logits %x norm @norm eps 1.0e-5 weight @head : tensor<?x64xf32> -> tensor<?x100xf32>
  return
}
