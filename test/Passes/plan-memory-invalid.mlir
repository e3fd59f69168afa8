// One case per reason llm-plan-memory cannot place a phase's tensors.
//
// RUN: llm-opt %s -split-input-file -llm-plan-memory -verify-diagnostics

// expected-error @+1 {{llm-plan-memory: @no_rows has no kernel.max_rows to size its tensors}}
func.func @no_rows() attributes {kernel.phase = "decode"} {
  return
}

// -----

llm.weight @norm : tensor<8xbf16>
func.func @argument_as_operand(%x: tensor<4x8xbf16>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  // expected-error @+1 {{llm-plan-memory: argument #kernel.operand<0> is a function argument; runtime buffers are bound with #kernel.input}}
  %y = kernel.launch "y" (%x) {template = "RmsNorm", params = {Dim = 8, Threads = 32}, constants = {eps = 1.0e-05},
      fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@norm>, #kernel.result<0>, #kernel.scalar<"rows">], cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

llm.weight @norm : tensor<8xbf16>
func.func @tied_to_argument(%x: tensor<4x8xbf16>, %r: tensor<4x8xbf16>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  // expected-error @+1 {{llm-plan-memory: result #0 is tied to a function argument, which has no arena slice}}
  %s, %y = kernel.launch "y" (%x, %r) {template = "AddRmsNorm", params = {Dim = 8, Threads = 32},
      constants = {eps = 1.0e-05}, fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.operand<1>, #kernel.weight<@norm>, #kernel.result<1>, #kernel.scalar<"rows">],
      tied = array<i64: 0, -1>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>, tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x8xbf16>)
  return
}

// -----

llm.weight @embed : tensor<16x8xbf16>
// expected-error @+1 {{llm-plan-memory: @two_outputs returns more than one tensor; only the logits can be an output}}
func.func @two_outputs(%tokens: tensor<4xi32>) -> (tensor<4x8xbf16>, tensor<4x8xbf16>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  %a = kernel.launch "a" (%tokens) {template = "Embed", params = {Vocab = 16, Dim = 8, Threads = 256},
      fused = [], grid = ["rows", "1", "1"], block = 256, smem = 0,
      args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4xi32>) -> tensor<4x8xbf16>
  %b = kernel.launch "b" (%tokens) {template = "Embed", params = {Vocab = 16, Dim = 8, Threads = 256},
      fused = [], grid = ["rows", "1", "1"], block = 256, smem = 0,
      args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4xi32>) -> tensor<4x8xbf16>
  return %a, %b : tensor<4x8xbf16>, tensor<4x8xbf16>
}

// -----

// expected-error @+1 {{llm-plan-memory: @returns_argument returns a tensor no launch writes}}
func.func @returns_argument(%x: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  return %x : tensor<4x8xf32>
}
