// Round-trips every op, type and attribute of the llm dialect through the
// custom assembly format and through the generic op form.
//
// RUN: llm-opt %s -split-input-file | llm-opt -split-input-file | FileCheck %s
// RUN: llm-opt %s -split-input-file --mlir-print-op-generic \
// RUN:   | llm-opt -split-input-file | FileCheck %s
// RUN: llm-opt %s -split-input-file --mlir-print-op-generic \
// RUN:   | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @kv_cache_types
// CHECK-SAME: !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48, max_seq_len = 256, f32>
// CHECK-SAME: !llm.kv_cache<layers = 32, kv_heads = 8, head_dim = 128, max_seq_len = 8192, bf16>
// CHECK-SAME: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 2, max_seq_len = 1, f16>
func.func @kv_cache_types(
    %a: !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48, max_seq_len = 256, f32>,
    %b: !llm.kv_cache<layers = 32, kv_heads = 8, head_dim = 128, max_seq_len = 8192, bf16>,
    %c: !llm.kv_cache<layers = 1, kv_heads = 1, head_dim = 2, max_seq_len = 1, f16>) {
  return
}

// -----

// Both attributes on their own, outside any op syntax.
// CHECK-LABEL: func.func @standalone_attrs
// CHECK-SAME: scaling = #llm.rope_scaling<llama3, factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 8192>
// CHECK-SAME: style = #llm<rope_style half_split>
func.func @standalone_attrs() attributes {
    style = #llm<rope_style half_split>,
    scaling = #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 1.0,
                                high_freq_factor = 4.0, original_max_position = 8192>} {
  return
}

// -----

// CHECK: module attributes {llm.model_name = "stories15M"}
// CHECK: llm.weight @model.embed_tokens.weight : tensor<32000x288xf32>
// CHECK: llm.weight @model.layers.0.self_attn.q_proj.weight : tensor<288x288xbf16>
// CHECK: llm.weight @model.norm.weight : tensor<288xf16>
// GENERIC: "llm.weight"() <{sym_name = "model.embed_tokens.weight", type = tensor<32000x288xf32>}>
module attributes {llm.model_name = "stories15M"} {
  llm.weight @"model.embed_tokens.weight" : tensor<32000x288xf32>
  llm.weight @"model.layers.0.self_attn.q_proj.weight" : tensor<288x288xbf16>
  llm.weight @"model.norm.weight" : tensor<288xf16>
}

// -----

llm.weight @table : tensor<100x64xbf16>

// CHECK-LABEL: func.func @embed
// CHECK-SAME: (%[[TOK:.+]]: tensor<?xi32>, %[[TOK4:.+]]: tensor<4xi32>)
// CHECK: llm.embed %[[TOK]] table @table : tensor<?xi32> -> tensor<?x64xf32>
// CHECK: llm.embed %[[TOK4]] table @table : tensor<4xi32> -> tensor<4x64xf32>
// GENERIC: "llm.embed"(%{{.*}}) <{table = @table}> : (tensor<?xi32>) -> tensor<?x64xf32>
func.func @embed(%tokens: tensor<?xi32>, %tokens4: tensor<4xi32>)
    -> (tensor<?x64xf32>, tensor<4x64xf32>) {
  %0 = llm.embed %tokens table @table : tensor<?xi32> -> tensor<?x64xf32>
  %1 = llm.embed %tokens4 table @table : tensor<4xi32> -> tensor<4x64xf32>
  return %0, %1 : tensor<?x64xf32>, tensor<4x64xf32>
}

// -----

llm.weight @"model.layers.0.input_layernorm.weight" : tensor<64xf32>

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>)
// CHECK: llm.rms_norm %[[X]] weight @model.layers.0.input_layernorm.weight eps 1.000000e-05 : tensor<?x64xf32>
// GENERIC: "llm.rms_norm"(%{{.*}}) <{eps = 1.000000e-05 : f64, weight = @model.layers.0.input_layernorm.weight}>
func.func @rms_norm(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = llm.rms_norm %x weight @"model.layers.0.input_layernorm.weight" eps 1.0e-5 : tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

llm.weight @up : tensor<172x64xbf16>

// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>, %[[X3:.+]]: tensor<3x64xf32>)
// CHECK: llm.linear %[[X]] weight @up : tensor<?x64xf32> -> tensor<?x172xf32>
// CHECK: llm.linear %[[X3]] weight @up : tensor<3x64xf32> -> tensor<3x172xf32>
func.func @linear(%x: tensor<?x64xf32>, %x3: tensor<3x64xf32>)
    -> (tensor<?x172xf32>, tensor<3x172xf32>) {
  %0 = llm.linear %x weight @up : tensor<?x64xf32> -> tensor<?x172xf32>
  %1 = llm.linear %x3 weight @up : tensor<3x64xf32> -> tensor<3x172xf32>
  return %0, %1 : tensor<?x172xf32>, tensor<3x172xf32>
}

// -----

// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>, %[[POS:.+]]: tensor<?xi32>, %[[X2:.+]]: tensor<2x32xf32>, %[[POS2:.+]]: tensor<2xi32>)
// CHECK: llm.rope %[[X]], %[[POS]] num_heads 4 head_dim 16 theta 1.000000e+04 style interleaved : tensor<?x64xf32>, tensor<?xi32>
// CHECK: llm.rope %[[X2]], %[[POS2]] num_heads 2 head_dim 16 theta 5.000000e+05 style half_split : tensor<2x32xf32>, tensor<2xi32>
// CHECK: llm.rope %[[X]], %[[POS]] num_heads 4 head_dim 16 theta 5.000000e+05 style half_split
// CHECK-SAME: scaling <llama3, factor = 8.000000e+00, low_freq_factor = 1.000000e+00, high_freq_factor = 4.000000e+00, original_max_position = 8192>
// CHECK-SAME: : tensor<?x64xf32>, tensor<?xi32>
// GENERIC: "llm.rope"(%{{.*}}, %{{.*}}) <{head_dim = 16 : i64, num_heads = 4 : i64, style = #llm<rope_style interleaved>, theta = 1.000000e+04 : f64}>
func.func @rope(%x: tensor<?x64xf32>, %pos: tensor<?xi32>,
                %x2: tensor<2x32xf32>, %pos2: tensor<2xi32>)
    -> (tensor<?x64xf32>, tensor<2x32xf32>, tensor<?x64xf32>) {
  %0 = llm.rope %x, %pos num_heads 4 head_dim 16 theta 10000.0 style interleaved
      : tensor<?x64xf32>, tensor<?xi32>
  %1 = llm.rope %x2, %pos2 num_heads 2 head_dim 16 theta 500000.0 style half_split
      : tensor<2x32xf32>, tensor<2xi32>
  %2 = llm.rope %x, %pos num_heads 4 head_dim 16 theta 500000.0 style half_split
      scaling <llama3, factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0,
               original_max_position = 8192>
      : tensor<?x64xf32>, tensor<?xi32>
  return %0, %1, %2 : tensor<?x64xf32>, tensor<2x32xf32>, tensor<?x64xf32>
}

// -----

// A dynamic token dim agrees with a static one.
// CHECK-LABEL: func.func @kv_cache_write
// CHECK-SAME: (%[[C:.+]]: !llm.kv_cache<{{.*}}>, %[[K:.+]]: tensor<?x32xf32>, %[[V:.+]]: tensor<?x32xf32>, %[[POS:.+]]: tensor<5xi32>)
// CHECK: llm.kv_cache_write %[[C]], %[[K]], %[[V]], %[[POS]] layer 1 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<5xi32>
// GENERIC: "llm.kv_cache_write"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{layer = 1 : i64}>
func.func @kv_cache_write(
    %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
    %k: tensor<?x32xf32>, %v: tensor<?x32xf32>, %pos: tensor<5xi32>)
    -> !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32> {
  %0 = llm.kv_cache_write %cache, %k, %v, %pos layer 1
      : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>,
        tensor<?x32xf32>, tensor<?x32xf32>, tensor<5xi32>
  return %0 : !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, f32>
}

// -----

// Grouped-query attention: 4 query heads share 2 KV heads.
// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:.+]]: tensor<?x64xf32>, %[[C:.+]]: !llm.kv_cache<{{.*}}>, %[[POS:.+]]: tensor<?xi32>)
// CHECK: llm.attention %[[Q]], %[[C]], %[[POS]] layer 0 num_heads 4 scale 2.500000e-01 : tensor<?x64xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>, tensor<?xi32>
// GENERIC: "llm.attention"(%{{.*}}, %{{.*}}, %{{.*}}) <{layer = 0 : i64, num_heads = 4 : i64, scale = 2.500000e-01 : f64}>
func.func @attention(
    %q: tensor<?x64xf32>,
    %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>,
    %pos: tensor<?xi32>) -> tensor<?x64xf32> {
  %0 = llm.attention %q, %cache, %pos layer 0 num_heads 4 scale 0.25
      : tensor<?x64xf32>,
        !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 16, max_seq_len = 64, bf16>,
        tensor<?xi32>
  return %0 : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[G:.+]]: tensor<?x172xf32>, %[[U:.+]]: tensor<?x172xf32>)
// CHECK: llm.swiglu %[[G]], %[[U]] : tensor<?x172xf32>
// GENERIC: "llm.swiglu"(%{{.*}}, %{{.*}}) : (tensor<?x172xf32>, tensor<?x172xf32>) -> tensor<?x172xf32>
func.func @swiglu(%g: tensor<?x172xf32>, %u: tensor<?x172xf32>) -> tensor<?x172xf32> {
  %0 = llm.swiglu %g, %u : tensor<?x172xf32>
  return %0 : tensor<?x172xf32>
}

// -----

// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:.+]]: tensor<7x64xf32>, %[[B:.+]]: tensor<7x64xf32>)
// CHECK: llm.add %[[A]], %[[B]] : tensor<7x64xf32>
// GENERIC: "llm.add"(%{{.*}}, %{{.*}}) : (tensor<7x64xf32>, tensor<7x64xf32>) -> tensor<7x64xf32>
func.func @add(%a: tensor<7x64xf32>, %b: tensor<7x64xf32>) -> tensor<7x64xf32> {
  %0 = llm.add %a, %b : tensor<7x64xf32>
  return %0 : tensor<7x64xf32>
}

// -----

llm.weight @"model.norm.weight" : tensor<64xf32>
llm.weight @"model.embed_tokens.weight" : tensor<100x64xbf16>
llm.weight @"lm_head.weight" : tensor<100x64xbf16>

// Tied (the embedding table) and untied (lm_head) output projections.
// CHECK-LABEL: func.func @logits
// CHECK-SAME: (%[[X:.+]]: tensor<?x64xf32>)
// CHECK: llm.logits %[[X]] norm @model.norm.weight eps 2.000000e-06 weight @model.embed_tokens.weight : tensor<?x64xf32> -> tensor<?x100xf32>
// CHECK: llm.logits %[[X]] norm @model.norm.weight eps 1.000000e-05 weight @lm_head.weight : tensor<?x64xf32> -> tensor<?x100xf32>
// GENERIC: "llm.logits"(%{{.*}}) <{eps = 2.000000e-06 : f64, norm = @model.norm.weight, weight = @model.embed_tokens.weight}>
func.func @logits(%x: tensor<?x64xf32>) -> (tensor<?x100xf32>, tensor<?x100xf32>) {
  %0 = llm.logits %x norm @"model.norm.weight" eps 2.0e-6 weight @"model.embed_tokens.weight"
      : tensor<?x64xf32> -> tensor<?x100xf32>
  %1 = llm.logits %x norm @"model.norm.weight" eps 1.0e-5 weight @"lm_head.weight"
      : tensor<?x64xf32> -> tensor<?x100xf32>
  return %0, %1 : tensor<?x100xf32>, tensor<?x100xf32>
}

// -----

// Greedy, and temperature with top-k and top-p.
// CHECK-LABEL: func.func @sample
// CHECK-SAME: (%[[L:.+]]: tensor<?x100xf32>, %[[L1:.+]]: tensor<1x100xf32>)
// CHECK: llm.sample %[[L]] temperature 0.000000e+00 top_k 0 top_p 1.000000e+00 seed 0 : tensor<?x100xf32> -> tensor<?xi32>
// CHECK: llm.sample %[[L1]] temperature 8.000000e-01 top_k 40 top_p 5.000000e-01 seed 1234 : tensor<1x100xf32> -> tensor<1xi32>
// GENERIC: "llm.sample"(%{{.*}}) <{seed = 0 : i64, temperature = 0.000000e+00 : f64, top_k = 0 : i64, top_p = 1.000000e+00 : f64}>
func.func @sample(%l: tensor<?x100xf32>, %l1: tensor<1x100xf32>)
    -> (tensor<?xi32>, tensor<1xi32>) {
  %0 = llm.sample %l temperature 0.0 top_k 0 top_p 1.0 seed 0
      : tensor<?x100xf32> -> tensor<?xi32>
  %1 = llm.sample %l1 temperature 0.8 top_k 40 top_p 0.5 seed 1234
      : tensor<1x100xf32> -> tensor<1xi32>
  return %0, %1 : tensor<?xi32>, tensor<1xi32>
}
