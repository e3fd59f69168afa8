// llm-fuse-residual-norm turns a residual add whose sum feeds an RMSNorm into
// llm.add_rms_norm, whose sum keeps every other use; adds that feed no norm
// and norms of anything but an add stay as they are.
//
// RUN: llm-opt %s -split-input-file -llm-fuse-residual-norm | FileCheck %s

llm.weight @norm : tensor<32xf32>
llm.weight @w : tensor<32x32xf32>

// CHECK-LABEL: func.func @fuses_add_and_norm
// CHECK-SAME: (%[[X:.+]]: tensor<?x32xf32>, %[[O:.+]]: tensor<?x32xf32>)
// CHECK-NOT: llm.add %
// CHECK-NOT: llm.rms_norm
// CHECK: %[[SUM:.+]], %[[NORMED:.+]] = llm.add_rms_norm %[[X]], %[[O]] weight @norm eps 1.000000e-05 : tensor<?x32xf32>
// CHECK-NEXT: %[[P:.+]] = llm.linear %[[NORMED]] weight @w
// CHECK-NEXT: %[[NEXT:.+]] = llm.add %[[SUM]], %[[P]]
// CHECK-NEXT: return %[[NEXT]]
func.func @fuses_add_and_norm(%x: tensor<?x32xf32>, %o: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %r = llm.add %x, %o : tensor<?x32xf32>
  %h = llm.rms_norm %r weight @norm eps 1.0e-5 : tensor<?x32xf32>
  %p = llm.linear %h weight @w : tensor<?x32xf32> -> tensor<?x32xf32>
  %next = llm.add %r, %p : tensor<?x32xf32>
  return %next : tensor<?x32xf32>
}

// -----

llm.weight @first : tensor<32xf32>
llm.weight @second : tensor<32xf32>

// Two norms of one sum: the first is fused, the second reads the sum.
// CHECK-LABEL: func.func @two_norms
// CHECK: %[[SUM:.+]], %[[NORMED:.+]] = llm.add_rms_norm %{{.+}}, %{{.+}} weight @first
// CHECK-NEXT: %[[OTHER:.+]] = llm.rms_norm %[[SUM]] weight @second
// CHECK-NEXT: return %[[NORMED]], %[[OTHER]]
func.func @two_norms(%x: tensor<4x32xf32>, %o: tensor<4x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  %r = llm.add %x, %o : tensor<4x32xf32>
  %a = llm.rms_norm %r weight @first eps 1.0e-5 : tensor<4x32xf32>
  %b = llm.rms_norm %r weight @second eps 1.0e-6 : tensor<4x32xf32>
  return %a, %b : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

llm.weight @norm : tensor<32xf32>
llm.weight @head : tensor<100x32xf32>

// Left alone: the last residual add feeds llm.logits (which keeps its own
// norm), and the norm of a function argument has no add to fuse with.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: llm.add_rms_norm
// CHECK: llm.rms_norm
// CHECK: llm.add
// CHECK: llm.logits
func.func @left_alone(%x: tensor<?x32xf32>, %o: tensor<?x32xf32>) -> (tensor<?x32xf32>, tensor<?x100xf32>) {
  %h = llm.rms_norm %x weight @norm eps 1.0e-5 : tensor<?x32xf32>
  %r = llm.add %h, %o : tensor<?x32xf32>
  %l = llm.logits %r norm @norm eps 1.0e-5 weight @head : tensor<?x32xf32> -> tensor<?x100xf32>
  return %h, %l : tensor<?x32xf32>, tensor<?x100xf32>
}
