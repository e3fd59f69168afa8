// A small model the kernel library supports, as the module builder writes
// it: 2 layers, dim 64, grouped-query attention (4 query heads over 2 KV
// heads) of head_dim 16, SwiGLU hidden size 128, vocabulary 256, context 64,
// half-split RoPE, untied lm_head. Tests that need interleaved RoPE rewrite
// `half_split` with sed.
module attributes {llm.model_name = "small-gqa"} {
  llm.weight @"model.embed_tokens.weight" : tensor<256x64xbf16>
  llm.weight @"model.layers.0.input_layernorm.weight" : tensor<64xbf16>
  llm.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
  llm.weight @"model.layers.0.self_attn.k_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.layers.0.self_attn.v_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.layers.0.self_attn.o_proj.weight" : tensor<64x64xbf16>
  llm.weight @"model.layers.0.post_attention_layernorm.weight" : tensor<64xbf16>
  llm.weight @"model.layers.0.mlp.gate_proj.weight" : tensor<128x64xbf16>
  llm.weight @"model.layers.0.mlp.up_proj.weight" : tensor<128x64xbf16>
  llm.weight @"model.layers.0.mlp.down_proj.weight" : tensor<64x128xbf16>
  llm.weight @"model.layers.1.input_layernorm.weight" : tensor<64xbf16>
  llm.weight @"model.layers.1.self_attn.q_proj.weight" : tensor<64x64xbf16>
  llm.weight @"model.layers.1.self_attn.k_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.layers.1.self_attn.v_proj.weight" : tensor<32x64xbf16>
  llm.weight @"model.layers.1.self_attn.o_proj.weight" : tensor<64x64xbf16>
  llm.weight @"model.layers.1.post_attention_layernorm.weight" : tensor<64xbf16>
  llm.weight @"model.layers.1.mlp.gate_proj.weight" : tensor<128x64xbf16>
  llm.weight @"model.layers.1.mlp.up_proj.weight" : tensor<128x64xbf16>
  llm.weight @"model.layers.1.mlp.down_proj.weight" : tensor<64x128xbf16>
  llm.weight @"model.norm.weight" : tensor<64xbf16>
  llm.weight @"lm_head.weight" : tensor<256x64xbf16>

  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>, %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>)
      -> (tensor<?x256xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>) {
    %x0 = llm.embed %tokens table @"model.embed_tokens.weight" : tensor<?xi32> -> tensor<?x64xf32>
    %h0 = llm.rms_norm %x0 weight @"model.layers.0.input_layernorm.weight" eps 1.0e-5 : tensor<?x64xf32>
    %q0 = llm.linear %h0 weight @"model.layers.0.self_attn.q_proj.weight" : tensor<?x64xf32> -> tensor<?x64xf32>
    %k0 = llm.linear %h0 weight @"model.layers.0.self_attn.k_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %v0 = llm.linear %h0 weight @"model.layers.0.self_attn.v_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %qr0 = llm.rope %q0, %positions num_heads 4 head_dim 16 theta 1.0e4 style half_split : tensor<?x64xf32>, tensor<?xi32>
    %kr0 = llm.rope %k0, %positions num_heads 2 head_dim 16 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %cache1 = llm.kv_cache_write %cache, %kr0, %v0, %positions layer 0
        : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>
    %a0 = llm.attention %qr0, %cache1, %positions layer 0 num_heads 4 scale 0.25
        : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
    %o0 = llm.linear %a0 weight @"model.layers.0.self_attn.o_proj.weight" : tensor<?x64xf32> -> tensor<?x64xf32>
    %r0 = llm.add %x0, %o0 : tensor<?x64xf32>
    %m0 = llm.rms_norm %r0 weight @"model.layers.0.post_attention_layernorm.weight" eps 1.0e-5 : tensor<?x64xf32>
    %g0 = llm.linear %m0 weight @"model.layers.0.mlp.gate_proj.weight" : tensor<?x64xf32> -> tensor<?x128xf32>
    %u0 = llm.linear %m0 weight @"model.layers.0.mlp.up_proj.weight" : tensor<?x64xf32> -> tensor<?x128xf32>
    %s0 = llm.swiglu %g0, %u0 : tensor<?x128xf32>
    %d0 = llm.linear %s0 weight @"model.layers.0.mlp.down_proj.weight" : tensor<?x128xf32> -> tensor<?x64xf32>
    %x1 = llm.add %r0, %d0 : tensor<?x64xf32>
    %h1 = llm.rms_norm %x1 weight @"model.layers.1.input_layernorm.weight" eps 1.0e-5 : tensor<?x64xf32>
    %q1 = llm.linear %h1 weight @"model.layers.1.self_attn.q_proj.weight" : tensor<?x64xf32> -> tensor<?x64xf32>
    %k1 = llm.linear %h1 weight @"model.layers.1.self_attn.k_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %v1 = llm.linear %h1 weight @"model.layers.1.self_attn.v_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %qr1 = llm.rope %q1, %positions num_heads 4 head_dim 16 theta 1.0e4 style half_split : tensor<?x64xf32>, tensor<?xi32>
    %kr1 = llm.rope %k1, %positions num_heads 2 head_dim 16 theta 1.0e4 style half_split : tensor<?x32xf32>, tensor<?xi32>
    %cache2 = llm.kv_cache_write %cache1, %kr1, %v1, %positions layer 1
        : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?xi32>
    %a1 = llm.attention %qr1, %cache2, %positions layer 1 num_heads 4 scale 0.25
        : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
    %o1 = llm.linear %a1 weight @"model.layers.1.self_attn.o_proj.weight" : tensor<?x64xf32> -> tensor<?x64xf32>
    %r1 = llm.add %x1, %o1 : tensor<?x64xf32>
    %m1 = llm.rms_norm %r1 weight @"model.layers.1.post_attention_layernorm.weight" eps 1.0e-5 : tensor<?x64xf32>
    %g1 = llm.linear %m1 weight @"model.layers.1.mlp.gate_proj.weight" : tensor<?x64xf32> -> tensor<?x128xf32>
    %u1 = llm.linear %m1 weight @"model.layers.1.mlp.up_proj.weight" : tensor<?x64xf32> -> tensor<?x128xf32>
    %s1 = llm.swiglu %g1, %u1 : tensor<?x128xf32>
    %d1 = llm.linear %s1 weight @"model.layers.1.mlp.down_proj.weight" : tensor<?x128xf32> -> tensor<?x64xf32>
    %x2 = llm.add %r1, %d1 : tensor<?x64xf32>
    %logits = llm.logits %x2 norm @"model.norm.weight" eps 1.0e-5 weight @"lm_head.weight" : tensor<?x64xf32> -> tensor<?x256xf32>
    return %logits, %cache2 : tensor<?x256xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>
  }
}
