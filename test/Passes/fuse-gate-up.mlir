// llm-fuse-gate-up merges the gate and up projections that feed an llm.swiglu
// into one projection over an #llm.interleave_rows weight, split back by an
// interleaved llm.split; the SwiGLU itself does not change.
//
// RUN: llm-opt %s -split-input-file -llm-fuse-gate-up | FileCheck %s

// CHECK-LABEL: module @merges_gate_and_up
// CHECK: llm.weight @l0.mlp.up_proj.weight : tensor<96x32xbf16>
// CHECK-NEXT: llm.weight @l0.mlp.gate_up_proj.weight : tensor<192x32xbf16> = #llm.interleave_rows<[@l0.mlp.gate_proj.weight, @l0.mlp.up_proj.weight]>
// CHECK: func.func @mlp(%[[H:.+]]: tensor<?x32xf32>)
// CHECK-NOT: weight @l0.mlp.{{gate|up}}_proj.weight
// CHECK: %[[GU:.+]] = llm.linear %[[H]] weight @l0.mlp.gate_up_proj.weight : tensor<?x32xf32> -> tensor<?x192xf32>
// CHECK-NEXT: %[[SPLIT:.+]]:2 = llm.split %[[GU]] interleaved : tensor<?x192xf32> -> tensor<?x96xf32>, tensor<?x96xf32>
// CHECK-NEXT: %[[S:.+]] = llm.swiglu %[[SPLIT]]#0, %[[SPLIT]]#1 : tensor<?x96xf32>
// CHECK-NEXT: llm.linear %[[S]] weight @l0.mlp.down_proj.weight
module @merges_gate_and_up {
  llm.weight @l0.mlp.gate_proj.weight : tensor<96x32xbf16>
  llm.weight @l0.mlp.up_proj.weight : tensor<96x32xbf16>
  llm.weight @l0.mlp.down_proj.weight : tensor<32x96xbf16>
  func.func @mlp(%h: tensor<?x32xf32>) -> tensor<?x32xf32> {
    %g = llm.linear %h weight @l0.mlp.gate_proj.weight : tensor<?x32xf32> -> tensor<?x96xf32>
    %u = llm.linear %h weight @l0.mlp.up_proj.weight : tensor<?x32xf32> -> tensor<?x96xf32>
    %s = llm.swiglu %g, %u : tensor<?x96xf32>
    %d = llm.linear %s weight @l0.mlp.down_proj.weight : tensor<?x96xf32> -> tensor<?x32xf32>
    return %d : tensor<?x32xf32>
  }
}

// -----

// The SwiGLU operands decide the roles: the gate operand's weight comes first.
// CHECK-LABEL: module @roles_from_swiglu
// CHECK: llm.weight @gate_up : tensor<16x32xf32> = #llm.interleave_rows<[@b, @a]>
// CHECK: %[[SPLIT:.+]]:2 = llm.split %{{.+}} interleaved
// CHECK-NEXT: llm.swiglu %[[SPLIT]]#0, %[[SPLIT]]#1
module @roles_from_swiglu {
  llm.weight @a : tensor<8x32xf32>
  llm.weight @b : tensor<8x32xf32>
  func.func @mlp(%h: tensor<2x32xf32>) -> tensor<2x8xf32> {
    %a = llm.linear %h weight @a : tensor<2x32xf32> -> tensor<2x8xf32>
    %b = llm.linear %h weight @b : tensor<2x32xf32> -> tensor<2x8xf32>
    %s = llm.swiglu %b, %a : tensor<2x8xf32>
    return %s : tensor<2x8xf32>
  }
}

// -----

// Left alone: gate and up project different inputs, the gate is not a
// projection, or both operands are the same projection.
// CHECK-LABEL: module @left_alone
// CHECK-NOT: llm.split
// CHECK-NOT: #llm.interleave_rows
module @left_alone {
  llm.weight @gate : tensor<96x32xbf16>
  llm.weight @up : tensor<96x32xbf16>
  func.func @different_inputs(%h: tensor<?x32xf32>, %h2: tensor<?x32xf32>) -> tensor<?x96xf32> {
    %g = llm.linear %h weight @gate : tensor<?x32xf32> -> tensor<?x96xf32>
    %u = llm.linear %h2 weight @up : tensor<?x32xf32> -> tensor<?x96xf32>
    %s = llm.swiglu %g, %u : tensor<?x96xf32>
    return %s : tensor<?x96xf32>
  }
  func.func @gate_not_a_projection(%h: tensor<?x32xf32>, %g: tensor<?x96xf32>) -> tensor<?x96xf32> {
    %u = llm.linear %h weight @up : tensor<?x32xf32> -> tensor<?x96xf32>
    %s = llm.swiglu %g, %u : tensor<?x96xf32>
    return %s : tensor<?x96xf32>
  }
  func.func @same_projection(%h: tensor<?x32xf32>) -> tensor<?x96xf32> {
    %u = llm.linear %h weight @up : tensor<?x32xf32> -> tensor<?x96xf32>
    %s = llm.swiglu %u, %u : tensor<?x96xf32>
    return %s : tensor<?x96xf32>
  }
}
