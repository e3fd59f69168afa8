// A whole model in the llm dialect: a 2-layer LLaMA-style decoder with
// grouped-query attention (4 query heads over 2 KV heads), dim 32, head_dim
// 8, SwiGLU hidden size 64, vocabulary 128, Hugging Face weight names and
// half-split RoPE, in the form the module builder produces. It must parse and
// verify (including every weight's shape against the ops that read it) and
// print back unchanged.
//
// RUN: llm-opt %s | FileCheck %s
// RUN: llm-opt %s | llm-opt | FileCheck %s

// CHECK: module attributes {llm.model_name = "tiny-gqa"}
// CHECK-COUNT-21: llm.weight
// CHECK-LABEL: func.func @forward
// CHECK-SAME: -> (tensor<?x128xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>)
// CHECK: %[[X0:.+]] = llm.embed %{{.+}} table @model.embed_tokens.weight
// CHECK-COUNT-2: llm.kv_cache_write
// CHECK: llm.attention %{{.+}}, %{{.+}}, %{{.+}} layer 1 num_heads 4 scale 0.35355339059327379
// CHECK: %[[LOGITS:.+]] = llm.logits %{{.+}} norm @model.norm.weight eps 1.000000e-05 weight @lm_head.weight
// CHECK: return %[[LOGITS]], %{{.+}} : tensor<?x128xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>

// Greedy decoding of the last position, as a caller of @forward would do it.
// CHECK-LABEL: func.func @next_token
// CHECK: llm.sample %{{.+}} temperature 0.000000e+00 top_k 0 top_p 1.000000e+00 seed 0 : tensor<1x128xf32> -> tensor<1xi32>

module attributes {llm.model_name = "tiny-gqa"} {
  llm.weight @"model.embed_tokens.weight" : tensor<128x32xbf16>
  llm.weight @"model.layers.0.input_layernorm.weight" : tensor<32xbf16>
  llm.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<32x32xbf16>
  llm.weight @"model.layers.0.self_attn.k_proj.weight" : tensor<16x32xbf16>
  llm.weight @"model.layers.0.self_attn.v_proj.weight" : tensor<16x32xbf16>
  llm.weight @"model.layers.0.self_attn.o_proj.weight" : tensor<32x32xbf16>
  llm.weight @"model.layers.0.post_attention_layernorm.weight" : tensor<32xbf16>
  llm.weight @"model.layers.0.mlp.gate_proj.weight" : tensor<64x32xbf16>
  llm.weight @"model.layers.0.mlp.up_proj.weight" : tensor<64x32xbf16>
  llm.weight @"model.layers.0.mlp.down_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.layers.1.input_layernorm.weight" : tensor<32xbf16>
  llm.weight @"model.layers.1.self_attn.q_proj.weight" : tensor<32x32xbf16>
  llm.weight @"model.layers.1.self_attn.k_proj.weight" : tensor<16x32xbf16>
  llm.weight @"model.layers.1.self_attn.v_proj.weight" : tensor<16x32xbf16>
  llm.weight @"model.layers.1.self_attn.o_proj.weight" : tensor<32x32xbf16>
  llm.weight @"model.layers.1.post_attention_layernorm.weight" : tensor<32xbf16>
  llm.weight @"model.layers.1.mlp.gate_proj.weight" : tensor<64x32xbf16>
  llm.weight @"model.layers.1.mlp.up_proj.weight" : tensor<64x32xbf16>
  llm.weight @"model.layers.1.mlp.down_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.norm.weight" : tensor<32xbf16>
  llm.weight @"lm_head.weight" : tensor<128x32xbf16>

  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>)
      -> (tensor<?x128xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>) {
    %x0 = llm.embed %tokens table @"model.embed_tokens.weight" : tensor<?xi32> -> tensor<?x32xf32>
    // Layer 0: attention block.
    %h0 = llm.rms_norm %x0 weight @"model.layers.0.input_layernorm.weight" eps 1.0e-5 : tensor<?x32xf32>
    %q0 = llm.linear %h0 weight @"model.layers.0.self_attn.q_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k0 = llm.linear %h0 weight @"model.layers.0.self_attn.k_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v0 = llm.linear %h0 weight @"model.layers.0.self_attn.v_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr0 = llm.rope %q0, %positions num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr0 = llm.rope %k0, %positions num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %cache1 = llm.kv_cache_write %cache, %kr0, %v0, %positions layer 0
        : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a0 = llm.attention %qr0, %cache1, %positions layer 0 num_heads 4 scale 0.35355339059327379
        : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>, tensor<?xi32>
    %o0 = llm.linear %a0 weight @"model.layers.0.self_attn.o_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %r0 = llm.add %x0, %o0 : tensor<?x32xf32>
    // Layer 0: MLP block.
    %m0 = llm.rms_norm %r0 weight @"model.layers.0.post_attention_layernorm.weight" eps 1.0e-5 : tensor<?x32xf32>
    %g0 = llm.linear %m0 weight @"model.layers.0.mlp.gate_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %u0 = llm.linear %m0 weight @"model.layers.0.mlp.up_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %s0 = llm.swiglu %g0, %u0 : tensor<?x64xf32>
    %d0 = llm.linear %s0 weight @"model.layers.0.mlp.down_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %x1 = llm.add %r0, %d0 : tensor<?x32xf32>
    // Layer 1: attention block.
    %h1 = llm.rms_norm %x1 weight @"model.layers.1.input_layernorm.weight" eps 1.0e-5 : tensor<?x32xf32>
    %q1 = llm.linear %h1 weight @"model.layers.1.self_attn.q_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k1 = llm.linear %h1 weight @"model.layers.1.self_attn.k_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v1 = llm.linear %h1 weight @"model.layers.1.self_attn.v_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr1 = llm.rope %q1, %positions num_heads 4 head_dim 8 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %kr1 = llm.rope %k1, %positions num_heads 2 head_dim 8 theta 1.0e4 style half_split : tensor<?x16xf32>, tensor<?xi32>
    %cache2 = llm.kv_cache_write %cache1, %kr1, %v1, %positions layer 1
        : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a1 = llm.attention %qr1, %cache2, %positions layer 1 num_heads 4 scale 0.35355339059327379
        : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>, tensor<?xi32>
    %o1 = llm.linear %a1 weight @"model.layers.1.self_attn.o_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %r1 = llm.add %x1, %o1 : tensor<?x32xf32>
    // Layer 1: MLP block.
    %m1 = llm.rms_norm %r1 weight @"model.layers.1.post_attention_layernorm.weight" eps 1.0e-5 : tensor<?x32xf32>
    %g1 = llm.linear %m1 weight @"model.layers.1.mlp.gate_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %u1 = llm.linear %m1 weight @"model.layers.1.mlp.up_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %s1 = llm.swiglu %g1, %u1 : tensor<?x64xf32>
    %d1 = llm.linear %s1 weight @"model.layers.1.mlp.down_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %x2 = llm.add %r1, %d1 : tensor<?x32xf32>
    %logits = llm.logits %x2 norm @"model.norm.weight" eps 1.0e-5 weight @"lm_head.weight" : tensor<?x32xf32> -> tensor<?x128xf32>
    return %logits, %cache2 : tensor<?x128xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_seq_len = 32, f32>
  }

  func.func @next_token(%logits: tensor<1x128xf32>) -> tensor<1xi32> {
    %next = llm.sample %logits temperature 0.0 top_k 0 top_p 1.0 seed 0
        : tensor<1x128xf32> -> tensor<1xi32>
    return %next : tensor<1xi32>
  }
}
