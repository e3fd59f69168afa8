// llm-specialize-phase replaces @forward by @prefill (token dim dynamic) and
// @decode (token dim = max-slots), each marked with llm.phase, and pins the
// token dim of every value in @decode.
//
// RUN: llm-opt %s -split-input-file '-llm-specialize-phase=max-slots=16' | FileCheck %s
// RUN: llm-opt %s -split-input-file -llm-specialize-phase | FileCheck %s --check-prefix=DEFAULT

// CHECK-LABEL: module @specializes_forward
// CHECK-NOT: func.func @forward
// CHECK: func.func @prefill(%{{.+}}: tensor<?xi32>, %{{.+}}: tensor<?xi32>, %{{.+}}: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
// CHECK-SAME: -> (tensor<?x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
// CHECK-SAME: attributes {llm.phase = "prefill"}
// CHECK: llm.embed %{{.+}} table @embed : tensor<?xi32> -> tensor<?x32xf32>
// CHECK: func.func @decode(%{{.+}}: tensor<16xi32>, %{{.+}}: tensor<16xi32>, %{{.+}}: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
// CHECK-SAME: -> (tensor<16x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
// CHECK-SAME: attributes {llm.phase = "decode"}
// CHECK: llm.embed %{{.+}} table @embed : tensor<16xi32> -> tensor<16x32xf32>
// CHECK: llm.linear %{{.+}} weight @k : tensor<16x32xf32> -> tensor<16x16xf32>
// CHECK: llm.kv_cache_write {{.+}} : !llm.kv_cache<{{.+}}>, tensor<16x16xf32>, tensor<16x16xf32>, tensor<16xi32>
// CHECK: llm.logits %{{.+}} : tensor<16x32xf32> -> tensor<16x100xf32>
// CHECK-NOT: func.func @forward
// DEFAULT-LABEL: module @specializes_forward
// DEFAULT: func.func @decode(%{{.+}}: tensor<8xi32>, %{{.+}}: tensor<8xi32>
module @specializes_forward {
  llm.weight @embed : tensor<100x32xf32>
  llm.weight @k : tensor<16x32xf32>
  llm.weight @norm : tensor<32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @embed : tensor<?xi32> -> tensor<?x32xf32>
    %k = llm.linear %x weight @k : tensor<?x32xf32> -> tensor<?x16xf32>
    %c1 = llm.kv_cache_write %cache, %k, %k, %pos layer 0
        : !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?xi32>
    %l = llm.logits %x norm @norm eps 1.0e-5 weight @embed : tensor<?x32xf32> -> tensor<?x100xf32>
    return %l, %c1 : tensor<?x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
}

// -----

// Other functions are left as they are.
// CHECK-LABEL: module @other_functions
// CHECK: func.func @next_token(%{{.+}}: tensor<?x100xf32>) -> tensor<?xi32> {
// CHECK-NEXT: llm.sample %{{.+}} : tensor<?x100xf32> -> tensor<?xi32>
module @other_functions {
  llm.weight @embed : tensor<100x32xf32>
  llm.weight @norm : tensor<32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: tensor<?xi32>,
                     %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>)
      -> (tensor<?x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>) {
    %x = llm.embed %tokens table @embed : tensor<?xi32> -> tensor<?x32xf32>
    %l = llm.logits %x norm @norm eps 1.0e-5 weight @embed : tensor<?x32xf32> -> tensor<?x100xf32>
    return %l, %cache : tensor<?x100xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_seq_len = 16, f32>
  }
  func.func @next_token(%logits: tensor<?x100xf32>) -> tensor<?xi32> {
    %next = llm.sample %logits temperature 0.0 top_k 0 top_p 1.0 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
    return %next : tensor<?xi32>
  }
}
