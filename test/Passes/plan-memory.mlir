// llm-plan-memory gives every tensor a launch writes a 256-byte-aligned slice
// of one arena: a tensor lives from its launch to its last reader (the end,
// if returned), slices are reused once their tensor is dead, a tied result
// shares its operand's slice, and a dynamic row count is sized at
// kernel.max_rows. Functions without kernel.phase are left alone.
//
// RUN: llm-opt %s -split-input-file -llm-plan-memory | FileCheck %s

// Five [4, 64] bf16 tensors (512 bytes each) of which at most three are
// live at once: %c reuses %a's slice once %a is dead, the sum %s is written
// into %b (tied), and the logits reuse %c's slice. The arena is three slices,
// not six.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: attributes {kernel.arena_bytes = 1536 : i64, kernel.max_rows = 4 : i64, kernel.outputs = {logits = #kernel.arena<0, 512>}, kernel.phase = "decode"}
// CHECK-NEXT: kernel.launch "a"(%{{.+}}) {args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.arena<0, 512>, #kernel.scalar<"rows">]
// CHECK-NEXT: kernel.launch "b"(%{{.+}}) {args = [#kernel.arena<0, 512>, #kernel.weight<@norm>, #kernel.arena<512, 512>, #kernel.scalar<"rows">]
// CHECK-NEXT: kernel.launch "c"(%{{.+}}) {args = [#kernel.arena<512, 512>, #kernel.weight<@norm>, #kernel.arena<0, 512>, #kernel.scalar<"rows">]
// CHECK-NEXT: kernel.launch "d"(%{{.+}}, %{{.+}}) {args = [#kernel.arena<512, 512>, #kernel.arena<0, 512>, #kernel.weight<@norm>, #kernel.arena<1024, 512>, #kernel.scalar<"rows">]
// CHECK-NEXT: kernel.launch "logits"(%{{.+}}) {args = [#kernel.arena<1024, 512>, #kernel.weight<@norm>, #kernel.arena<0, 512>, #kernel.scalar<"rows">]
// CHECK-NOT: #kernel.operand
// CHECK-NOT: #kernel.result
llm.weight @embed : tensor<128x64xbf16>
llm.weight @norm : tensor<64xbf16>
func.func @reuse(%tokens: tensor<4xi32>) -> tensor<4x64xbf16>
    attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  %a = kernel.launch "a" (%tokens) {template = "Embed", params = {Vocab = 128, Dim = 64, Threads = 256},
      fused = [], grid = ["rows", "1", "1"], block = 256, smem = 0,
      args = [#kernel.input<"tokens">, #kernel.weight<@embed>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4xi32>) -> tensor<4x64xbf16>
  %b = kernel.launch "b" (%a) {template = "RmsNorm", params = {Dim = 64, Threads = 32}, constants = {eps = 1.0e-05},
      fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@norm>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xbf16>
  %c = kernel.launch "c" (%b) {template = "RmsNorm", params = {Dim = 64, Threads = 32}, constants = {eps = 1.0e-05},
      fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@norm>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xbf16>
  %s, %d = kernel.launch "d" (%b, %c) {template = "AddRmsNorm", params = {Dim = 64, Threads = 32},
      constants = {eps = 1.0e-05}, fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.operand<1>, #kernel.weight<@norm>, #kernel.result<1>, #kernel.scalar<"rows">],
      tied = array<i64: 0, -1>, cost = #kernel.cost<>}
    : (tensor<4x64xbf16>, tensor<4x64xbf16>) -> (tensor<4x64xbf16>, tensor<4x64xbf16>)
  %l = kernel.launch "logits" (%d) {template = "RmsNorm", params = {Dim = 64, Threads = 32}, constants = {eps = 1.0e-05},
      fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@norm>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xbf16>
  return %l : tensor<4x64xbf16>
}

// -----

// A dynamic row count takes kernel.max_rows rows (64 x 64 bf16 = 8192
// bytes); a static one its own (2 x 64 bf16 = 256 bytes), and the dynamic
// tensor's slice is reused once it is dead. Nothing is returned: no outputs.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME: attributes {kernel.arena_bytes = 8448 : i64, kernel.max_rows = 64 : i64, kernel.phase = "prefill"}
// CHECK-NEXT: kernel.launch "x"{{.+}}args = [#kernel.input<"tokens">, #kernel.weight<@embed2>, #kernel.arena<0, 8192>, #kernel.scalar<"rows">]
// CHECK-NEXT: kernel.launch "s"{{.+}}args = [#kernel.arena<0, 8192>, #kernel.input<"logit_rows">, #kernel.weight<@norm2>, #kernel.arena<8192, 256>]
// CHECK-NEXT: kernel.launch "t"{{.+}}args = [#kernel.arena<8192, 256>, #kernel.input<"logit_rows">, #kernel.weight<@norm2>, #kernel.arena<0, 256>]
llm.weight @embed2 : tensor<128x64xbf16>
llm.weight @norm2 : tensor<64xbf16>
func.func @dynamic_rows(%tokens: tensor<?xi32>) attributes {kernel.phase = "prefill", kernel.max_rows = 64} {
  %x = kernel.launch "x" (%tokens) {template = "Embed", params = {Vocab = 128, Dim = 64, Threads = 256},
      fused = [], grid = ["rows", "1", "1"], block = 256, smem = 0,
      args = [#kernel.input<"tokens">, #kernel.weight<@embed2>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<?xi32>) -> tensor<?x64xbf16>
  %s = kernel.launch "s" (%x) {template = "RmsNormGather", params = {Dim = 64, Threads = 32},
      constants = {eps = 1.0e-05, num_rows = 2}, fused = [], grid = ["2", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.input<"logit_rows">, #kernel.weight<@norm2>, #kernel.result<0>],
      cost = #kernel.cost<>}
    : (tensor<?x64xbf16>) -> tensor<2x64xbf16>
  %t = kernel.launch "t" (%s) {template = "RmsNormGather", params = {Dim = 64, Threads = 32},
      constants = {eps = 1.0e-05, num_rows = 2}, fused = [], grid = ["2", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.input<"logit_rows">, #kernel.weight<@norm2>, #kernel.result<0>],
      cost = #kernel.cost<>}
    : (tensor<2x64xbf16>) -> tensor<2x64xbf16>
  return
}

// -----

// CHECK-LABEL: func.func @not_a_phase
// CHECK-NOT: kernel.arena
// CHECK: args = [#kernel.operand<0>, #kernel.weight<@norm3>, #kernel.result<0>, #kernel.scalar<"rows">]
llm.weight @norm3 : tensor<8xbf16>
func.func @not_a_phase(%x: tensor<4x8xbf16>) {
  %y = kernel.launch "y" (%x) {template = "RmsNorm", params = {Dim = 8, Threads = 32}, constants = {eps = 1.0e-05},
      fused = [], grid = ["rows", "1", "1"], block = 32, smem = 0,
      args = [#kernel.operand<0>, #kernel.weight<@norm3>, #kernel.result<0>, #kernel.scalar<"rows">],
      cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}
