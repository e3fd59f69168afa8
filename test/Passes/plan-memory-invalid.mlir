// One case per reason llm-plan-memory cannot place a phase's tensors.
//
// RUN: llm-opt %s -split-input-file -llm-plan-memory -verify-diagnostics

// expected-error @+1 {{llm-plan-memory: @no_rows has no kernel.max_rows to size its tensors}}
func.func @no_rows() attributes {kernel.phase = "decode"} {
  return
}

// -----

func.func @argument_as_operand(%x: tensor<4x8xbf16>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  // expected-error @+1 {{llm-plan-memory: argument #kernel.operand<0> is a function argument; runtime buffers are bound with #kernel.input}}
  %y = kernel.launch "y" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

func.func @tied_to_argument(%x: tensor<4x8xbf16>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  // expected-error @+1 {{llm-plan-memory: result #0 is tied to a function argument, which has no arena slice}}
  %y = kernel.launch "y" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.input<"tokens">], tied = array<i64: 0>, cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}

// -----

// expected-error @+1 {{llm-plan-memory: @two_outputs returns more than one tensor; only the logits can be an output}}
func.func @two_outputs() -> (tensor<4x8xf32>, tensor<4x8xf32>) attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  %y:2 = kernel.launch "y" () {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.result<0>, #kernel.result<1>], cost = #kernel.cost<>}
    : () -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return %y#0, %y#1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// expected-error @+1 {{llm-plan-memory: @returns_argument returns a tensor no launch writes}}
func.func @returns_argument(%x: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  return %x : tensor<4x8xf32>
}
