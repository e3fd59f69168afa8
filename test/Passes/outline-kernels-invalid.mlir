// One case per reason llm-outline-kernels refuses a module: a shape no
// template takes, an op with no kernel, a residual the kernel would
// overwrite while it is still needed, layers that disagree on RoPE, and
// phase functions that are missing or not in the form llm-specialize-phase
// makes. (An out-of-range option: outline-kernels-options.mlir.)
//
// RUN: llm-opt %s -split-input-file '-llm-outline-kernels=max-slots=4' -verify-diagnostics

// head_dim 8: no attention kernel takes it (mma.sync works on k16 steps).
module @head_dim_8 {
  llm.weight @emb : tensor<16x16xbf16>
  llm.weight @qkv : tensor<32x16xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 8, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x16xf32>
    // expected-error @+1 {{llm-outline-kernels: cannot lower 'llm.qkv_rope_cache': head_dim 8 is not supported: the attention kernels' mma.sync tiles take a head_dim that is a multiple of 16, at most 256}}
    %q, %c1 = llm.qkv_rope_cache %x, %c0, %pos weight @qkv layer 0 num_heads 2 theta 1.0e4 style half_split
        : tensor<?x16xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 8, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x16xf32>
    return
  }
}

// -----

// head_dim 192: its key and value tiles exceed the 48 KiB of static shared
// memory of the prefill attention kernel.
module @head_dim_192 {
  llm.weight @emb : tensor<16x192xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 192, max_seq_len = 16, f32>) {
    %q = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x192xf32>
    // expected-error @+1 {{llm-outline-kernels: cannot lower 'llm.attention': head_dim 192 needs 51200 bytes of static shared memory in PagedAttentionPrefill, over the 48 KiB limit (head_dim up to 176 fits)}}
    %a = llm.attention %q, %c0, %pos layer 0 num_heads 1 scale 0.072
        : tensor<?x192xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 192, max_seq_len = 16, f32>, tensor<?xi32>
    return
  }
}

// -----

// A 64-head group over one KV head: the decode partition kernel's scores and
// tiles do not fit in shared memory even at the smallest partition.
module @decode_group_too_large {
  llm.weight @emb : tensor<16x8192xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 128, max_seq_len = 16, f32>) {
    return
  }
  func.func @decode(%tokens: tensor<4xi32>, %pos: tensor<4xi32>,
                    %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 128, max_seq_len = 16, f32>) {
    %q = llm.embed %tokens table @emb : tensor<4xi32> -> tensor<4x8192xf32>
    // expected-error @+1 {{llm-outline-kernels: cannot lower 'llm.attention': a query-head group of 64 with head_dim 128 needs 66560 bytes of shared memory in PagedAttentionDecodePartition, over the 48 KiB limit}}
    %a = llm.attention %q, %c0, %pos layer 0 num_heads 64 scale 0.088
        : tensor<4x8192xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 128, max_seq_len = 16, f32>, tensor<4xi32>
    return
  }
}

// -----

// Rows move in 128-bit vectors of 8 bf16.
module @dim_20 {
  llm.weight @emb : tensor<16x20xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    // expected-error @+1 {{llm-outline-kernels: cannot lower 'llm.embed': embedding dim 20 is not a positive multiple of 8 (the kernels move rows in 128-bit vectors of 8 bf16)}}
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x20xf32>
    return
  }
}

// -----

// An add the fusion pipeline would have folded into a norm or projection.
module @unfused_add {
  llm.weight @emb : tensor<16x16xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x16xf32>
    // expected-error @+1 {{llm-outline-kernels: 'llm.add' has no kernel; the fusion pipeline (--llm-fusion-pipeline) turns every op of a model into ones that do}}
    %y = llm.add %x, %x : tensor<?x16xf32>
    return
  }
}

// -----

// AddRmsNorm adds into the residual's buffer; %x is read again after it.
module @residual_read_later {
  llm.weight @emb : tensor<16x16xbf16>
  llm.weight @norm : tensor<16xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x16xf32>
    %o = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x16xf32>
    // expected-error @+1 {{llm-outline-kernels: llm.add_rms_norm updates its residual in place, but the residual is read after it}}
    %s, %h = llm.add_rms_norm %x, %o weight @norm eps 1.0e-5 : tensor<?x16xf32>
    %n = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x16xf32>
    return
  }
}

// -----

// The engine has one table of RoPE inverse frequencies.
module @rope_differs_between_layers {
  llm.weight @emb : tensor<16x32xbf16>
  llm.weight @qkv0 : tensor<64x32xbf16>
  llm.weight @qkv1 : tensor<64x32xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x32xf32>
    %q0, %c1 = llm.qkv_rope_cache %x, %c0, %pos weight @qkv0 layer 0 num_heads 2 theta 1.0e4 style half_split
        : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
    // expected-error @+1 {{llm-outline-kernels: the RoPE theta, style or scaling of layer 1 differ from the first layer's; the engine has one rope_inv_freq table}}
    %q1, %c2 = llm.qkv_rope_cache %x, %c1, %pos weight @qkv1 layer 1 num_heads 2 theta 5.0e5 style half_split
        : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
    return
  }
}

// -----

// The embedding reads the runtime's tokens buffer, i.e. argument #0.
module @embed_of_positions {
  llm.weight @emb : tensor<16x16xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    // expected-error @+1 {{llm-outline-kernels: llm.embed must read the function's token ids (argument #0)}}
    %x = llm.embed %pos table @emb : tensor<?xi32> -> tensor<?x16xf32>
    return
  }
}

// -----

// RoPE and the cache write read the runtime's positions, argument #1.
module @qkv_of_tokens {
  llm.weight @emb : tensor<16x32xbf16>
  llm.weight @qkv : tensor<64x32xbf16>
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @emb : tensor<?xi32> -> tensor<?x32xf32>
    // expected-error @+1 {{llm-outline-kernels: llm.qkv_rope_cache must read the function's positions (argument #1)}}
    %q, %c1 = llm.qkv_rope_cache %x, %c0, %tokens weight @qkv layer 0 num_heads 2 theta 1.0e4 style half_split
        : tensor<?x32xf32>, !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>, tensor<?xi32> -> tensor<?x32xf32>
    return
  }
}

// -----

module @prefill_without_cache {
  // expected-error @+1 {{llm-outline-kernels: @prefill must take (token ids, positions, !llm.kv_cache), as llm-specialize-phase makes it; got '(tensor<?xi32>, tensor<?xi32>) -> ()'}}
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>) {
    return
  }
}

// -----

// expected-error @+1 {{llm-outline-kernels: the module has no @decode; run llm-specialize-phase first}}
module @no_decode {
  func.func @prefill(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %c0: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 16, max_seq_len = 16, f32>) {
    return
  }
}

// -----

// expected-error @+1 {{llm-outline-kernels: the module already defines @sample}}
module @sample_exists {
  func.func @sample() {
    return
  }
}
