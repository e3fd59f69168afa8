// A one-layer LLaMA-style decoder in the llm dialect, shaped for the kernel
// library: dim 32, 2 query heads of 16 over 1 KV head, SwiGLU hidden size
// 64, vocabulary 128, a 64-position context, tied embeddings, interleaved
// RoPE. llm-compile reads it as a model with synthetic weights.
module attributes {llm.model_name = "one-layer-gqa"} {
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
  llm.weight @"model.norm.weight" : tensor<32xbf16>

  func.func @forward(%tokens: tensor<?xi32>, %positions: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 64, f32>)
      -> (tensor<?x128xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 64, f32>) {
    %x0 = llm.embed %tokens table @"model.embed_tokens.weight" : tensor<?xi32> -> tensor<?x32xf32>
    %h0 = llm.rms_norm %x0 weight @"model.layers.0.input_layernorm.weight" eps 1.0e-6 : tensor<?x32xf32>
    %q0 = llm.linear %h0 weight @"model.layers.0.self_attn.q_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %k0 = llm.linear %h0 weight @"model.layers.0.self_attn.k_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %v0 = llm.linear %h0 weight @"model.layers.0.self_attn.v_proj.weight" : tensor<?x32xf32> -> tensor<?x16xf32>
    %qr0 = llm.rope %q0, %positions num_heads 2 head_dim 16 theta 1.0e4 style interleaved : tensor<?x32xf32>, tensor<?xi32>
    %kr0 = llm.rope %k0, %positions num_heads 1 head_dim 16 theta 1.0e4 style interleaved : tensor<?x16xf32>, tensor<?xi32>
    %cache1 = llm.kv_cache_write %cache, %kr0, %v0, %positions layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 64, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %a0 = llm.attention %qr0, %cache1, %positions layer 0 num_heads 2 scale 0.25
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 64, f32>, tensor<?xi32>
    %o0 = llm.linear %a0 weight @"model.layers.0.self_attn.o_proj.weight" : tensor<?x32xf32> -> tensor<?x32xf32>
    %r0 = llm.add %x0, %o0 : tensor<?x32xf32>
    %m0 = llm.rms_norm %r0 weight @"model.layers.0.post_attention_layernorm.weight" eps 1.0e-6 : tensor<?x32xf32>
    %g0 = llm.linear %m0 weight @"model.layers.0.mlp.gate_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %u0 = llm.linear %m0 weight @"model.layers.0.mlp.up_proj.weight" : tensor<?x32xf32> -> tensor<?x64xf32>
    %s0 = llm.swiglu %g0, %u0 : tensor<?x64xf32>
    %d0 = llm.linear %s0 weight @"model.layers.0.mlp.down_proj.weight" : tensor<?x64xf32> -> tensor<?x32xf32>
    %x1 = llm.add %r0, %d0 : tensor<?x32xf32>
    %logits = llm.logits %x1 norm @"model.norm.weight" eps 1.0e-6 weight @"model.embed_tokens.weight" : tensor<?x32xf32> -> tensor<?x128xf32>
    return %logits, %cache1 : tensor<?x128xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 64, f32>
  }
}
