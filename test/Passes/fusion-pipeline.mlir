// The whole graph pipeline on the 2-layer model of test/Dialect/tiny-model.mlir
// (GQA 4/2 heads, head_dim 8, untied lm_head): per layer one QKV + RoPE +
// cache-write op, one gate/up + SwiGLU op, residual adds fused into the norms
// that follow them (the last one, before the logits, into down_proj), and the
// result split into @prefill and @decode.
//
// RUN: llm-opt %S/../Dialect/tiny-model.mlir '--llm-fusion-pipeline=max-slots=4' | FileCheck %s
// RUN: llm-opt %S/../Dialect/tiny-model.mlir '--llm-fusion-pipeline=max-slots=4' | FileCheck %s --check-prefix=UNFUSED
// RUN: llm-opt %S/../Dialect/tiny-model.mlir --llm-fusion-pipeline | FileCheck %s --check-prefix=DEFAULT

// CHECK: llm.weight @model.layers.0.self_attn.qkv_proj.weight : tensor<64x32xbf16> = #llm.concat<[@model.layers.0.self_attn.q_proj.weight, @model.layers.0.self_attn.k_proj.weight, @model.layers.0.self_attn.v_proj.weight]>
// CHECK: llm.weight @model.layers.0.mlp.gate_up_proj.weight : tensor<128x32xbf16> = #llm.interleave_rows<[@model.layers.0.mlp.gate_proj.weight, @model.layers.0.mlp.up_proj.weight]>
// CHECK: llm.weight @model.layers.1.self_attn.qkv_proj.weight : tensor<64x32xbf16> = #llm.concat
// CHECK: llm.weight @model.layers.1.mlp.gate_up_proj.weight : tensor<128x32xbf16> = #llm.interleave_rows

// CHECK-NOT: func.func @forward
// CHECK-LABEL: func.func @prefill
// CHECK-SAME: (%[[TOKENS:.+]]: tensor<?xi32>, %[[POS:.+]]: tensor<?xi32>, %[[C0:.+]]: !llm.kv_cache<{{[^>]+}}>)
// CHECK-SAME: attributes {llm.phase = "prefill"}
// CHECK: %[[X0:.+]] = llm.embed %[[TOKENS]]
// CHECK-NEXT: %[[H0:.+]] = llm.rms_norm %[[X0]] weight @model.layers.0.input_layernorm.weight
// CHECK-NEXT: %[[Q0:.+]], %[[C1:.+]] = llm.qkv_rope_cache %[[H0]], %[[C0]], %[[POS]] weight @model.layers.0.self_attn.qkv_proj.weight layer 0 num_heads 4 theta 1.000000e+04 style half_split
// CHECK-NEXT: %[[A0:.+]] = llm.attention %[[Q0]], %[[C1]], %[[POS]] layer 0
// CHECK-NEXT: %[[O0:.+]] = llm.linear %[[A0]] weight @model.layers.0.self_attn.o_proj.weight
// CHECK-NEXT: %[[R0:.+]], %[[M0:.+]] = llm.add_rms_norm %[[X0]], %[[O0]] weight @model.layers.0.post_attention_layernorm.weight
// CHECK-NEXT: %[[S0:.+]] = llm.gate_up_swiglu %[[M0]] weight @model.layers.0.mlp.gate_up_proj.weight : tensor<?x32xf32> -> tensor<?x64xf32>
// CHECK-NEXT: %[[D0:.+]] = llm.linear %[[S0]] weight @model.layers.0.mlp.down_proj.weight
// CHECK-NEXT: %[[X1:.+]], %[[H1:.+]] = llm.add_rms_norm %[[R0]], %[[D0]] weight @model.layers.1.input_layernorm.weight
// CHECK-NEXT: %[[Q1:.+]], %[[C2:.+]] = llm.qkv_rope_cache %[[H1]], %[[C1]], %[[POS]] weight @model.layers.1.self_attn.qkv_proj.weight layer 1
// CHECK-NEXT: %[[A1:.+]] = llm.attention %[[Q1]], %[[C2]], %[[POS]] layer 1
// CHECK-NEXT: %[[O1:.+]] = llm.linear %[[A1]] weight @model.layers.1.self_attn.o_proj.weight
// CHECK-NEXT: %[[R1:.+]], %[[M1:.+]] = llm.add_rms_norm %[[X1]], %[[O1]] weight @model.layers.1.post_attention_layernorm.weight
// CHECK-NEXT: %[[S1:.+]] = llm.gate_up_swiglu %[[M1]] weight @model.layers.1.mlp.gate_up_proj.weight
// CHECK-NEXT: %[[X2:.+]] = llm.linear_add %[[S1]] weight @model.layers.1.mlp.down_proj.weight residual %[[R1]]
// CHECK-NEXT: %[[L:.+]] = llm.logits %[[X2]] norm @model.norm.weight eps 1.000000e-05 weight @lm_head.weight : tensor<?x32xf32> -> tensor<?x128xf32>
// CHECK-NEXT: return %[[L]], %[[C2]]

// @decode is the same graph on 4 rows.
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%{{.+}}: tensor<4xi32>, %{{.+}}: tensor<4xi32>, %{{.+}}: !llm.kv_cache<{{[^>]+}}>)
// CHECK-SAME: -> (tensor<4x128xf32>, !llm.kv_cache<{{[^>]+}}>) attributes {llm.phase = "decode"}
// CHECK-COUNT-2: llm.qkv_rope_cache {{.+}} : tensor<4x32xf32>, !llm.kv_cache<{{[^>]+}}>, tensor<4xi32> -> tensor<4x32xf32>
// CHECK: llm.logits %{{.+}} : tensor<4x32xf32> -> tensor<4x128xf32>

// CHECK-LABEL: func.func @next_token

// Nothing unfused is left anywhere.
// UNFUSED-NOT: llm.split
// UNFUSED-NOT: llm.rope
// UNFUSED-NOT: llm.kv_cache_write
// UNFUSED-NOT: llm.swiglu
// UNFUSED-NOT: llm.add %

// DEFAULT: func.func @decode(%{{.+}}: tensor<8xi32>
