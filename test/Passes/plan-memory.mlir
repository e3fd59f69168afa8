// llm-plan-memory gives every tensor a launch writes a 256-byte-aligned slice
// of one arena: a tensor lives from its launch to its last reader (the end,
// if returned), slices are reused once their tensor is dead, a tied result
// shares its operand's slice, and a dynamic row count is sized at
// kernel.max_rows. Functions without kernel.phase are left alone.
//
// RUN: llm-opt %s -split-input-file -llm-plan-memory | FileCheck %s

// Four [4, 64] bf16 tensors (512 bytes each) of which at most two are live
// at once: %c reuses %a's slice once %a is dead, %d is written into %b, and
// the logits reuse %c's slice. The arena is two slices, not five.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: attributes {kernel.arena_bytes = 1024 : i64, kernel.max_rows = 4 : i64, kernel.outputs = {logits = #kernel.arena<0, 512>}, kernel.phase = "decode"}
// CHECK-NEXT: kernel.launch "a"(%{{.+}}) {args = [#kernel.input<"tokens">, #kernel.arena<0, 512>]
// CHECK-NEXT: kernel.launch "b"(%{{.+}}) {args = [#kernel.arena<0, 512>, #kernel.arena<512, 512>]
// CHECK-NEXT: kernel.launch "c"(%{{.+}}) {args = [#kernel.arena<512, 512>, #kernel.arena<0, 512>]
// CHECK-NEXT: kernel.launch "d"(%{{.+}}, %{{.+}}) {args = [#kernel.arena<0, 512>, #kernel.arena<512, 512>, #kernel.arena<512, 512>]
// CHECK-NEXT: kernel.launch "logits"(%{{.+}}) {args = [#kernel.arena<512, 512>, #kernel.arena<0, 512>]
// CHECK-NOT: #kernel.operand
// CHECK-NOT: #kernel.result
func.func @reuse(%tokens: tensor<4xi32>) -> tensor<4x64xf16>
    attributes {kernel.phase = "decode", kernel.max_rows = 4} {
  %a = kernel.launch "a" (%tokens) {template = "Embed", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.input<"tokens">, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4xi32>) -> tensor<4x64xbf16>
  %b = kernel.launch "b" (%a) {template = "RmsNorm", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xbf16>
  %c = kernel.launch "c" (%b) {template = "RmsNorm", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xbf16>
  %d = kernel.launch "d" (%c, %b) {template = "AddRmsNorm", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.operand<1>, #kernel.result<0>],
      tied = array<i64: 1>, cost = #kernel.cost<>}
    : (tensor<4x64xbf16>, tensor<4x64xbf16>) -> tensor<4x64xbf16>
  %l = kernel.launch "logits" (%d) {template = "RmsNorm", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4x64xbf16>) -> tensor<4x64xf16>
  return %l : tensor<4x64xf16>
}

// -----

// A dynamic row count takes kernel.max_rows rows (64 x 64 bf16 = 8192
// bytes); a 16-byte tensor still starts on a 256-byte boundary, and the
// arena ends on one. Nothing is returned: no outputs.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME: attributes {kernel.arena_bytes = 8704 : i64, kernel.max_rows = 64 : i64, kernel.phase = "prefill"}
// CHECK-NEXT: kernel.launch "x"{{.+}}args = [#kernel.input<"tokens">, #kernel.arena<0, 8192>]
// CHECK-NEXT: kernel.launch "s"{{.+}}args = [#kernel.arena<0, 8192>, #kernel.arena<8192, 16>]
// CHECK-NEXT: kernel.launch "t"{{.+}}args = [#kernel.arena<0, 8192>, #kernel.arena<8192, 16>, #kernel.arena<8448, 16>]
func.func @dynamic_rows(%tokens: tensor<?xi32>) attributes {kernel.phase = "prefill", kernel.max_rows = 64} {
  %x = kernel.launch "x" (%tokens) {template = "Embed", params = {}, fused = [], grid = ["rows", "1", "1"],
      block = 32, smem = 0, args = [#kernel.input<"tokens">, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<?xi32>) -> tensor<?x64xbf16>
  %s = kernel.launch "s" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<?x64xbf16>) -> tensor<4xi32>
  %t = kernel.launch "t" (%x, %s) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.operand<1>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<?x64xbf16>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

// CHECK-LABEL: func.func @not_a_phase
// CHECK-NOT: kernel.arena
// CHECK: args = [#kernel.operand<0>, #kernel.result<0>]
func.func @not_a_phase(%x: tensor<4x8xbf16>) {
  %y = kernel.launch "y" (%x) {template = "RmsNorm", params = {}, fused = [], grid = ["1", "1", "1"],
      block = 32, smem = 0, args = [#kernel.operand<0>, #kernel.result<0>], cost = #kernel.cost<>}
    : (tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return
}
