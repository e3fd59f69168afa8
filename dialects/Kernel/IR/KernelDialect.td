//===- KernelDialect.td - the kernel dialect ------------------------------===//
//
// The `kernel` dialect is the kernel-level IR of llmc: a phase function
// (prefill, decode, sample) as the sequence of kernels the engine launches,
// one `kernel.launch` per launch, each naming the kernel-library template it
// instantiates, its launch shape, what every kernel argument is bound to, and
// what it costs. This file declares the dialect; the binding and cost
// attributes live in KernelAttrs.td and the op in KernelOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_KERNEL_DIALECT_TD
#define LLMC_DIALECT_KERNEL_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Kernel_Dialect : Dialect {
  let name = "kernel";
  let cppNamespace = "::mlir::kernel";
  let summary = "Kernel launches of an llmc engine, with their bindings";
  let description = [{
    The `kernel` dialect describes a phase of an engine as the kernels it
    launches, in order. `llm-outline-kernels` produces it from the fused llm
    graph (one `kernel.launch` per launched kernel); `llm-plan-memory`
    places every activation in one arena per phase; the code generator turns
    each launch into a wrapper that instantiates a template of the kernel
    library (compiler/kernels) and into one launch of the engine manifest
    (runtime/engine/Manifest.h).

    SSA values are tensors in their storage types (bf16 activations, f32
    logits and attention workspaces, i32 ids) and `!llm.kv_cache` values,
    which thread through the launches only to order cache writes and reads.
    Which memory a kernel argument actually reads or writes is said by its
    binding attribute (`#kernel.operand<0>`, `#kernel.weight<@w>`,
    `#kernel.arena<0, 4608>`, ...), in the kernel's parameter order.
  }];
  let dependentDialects = ["::mlir::llm::LLMDialect"];
  let useDefaultAttributePrinterParser = 1;
  // Checks the discardable `kernel.*` attributes of phase functions
  // (kernel.phase, kernel.arena_bytes, kernel.max_rows, kernel.outputs).
  let hasOperationAttrVerify = 1;
  // The launch op has an attribute named `template`, which as a properties
  // struct member (or a builder parameter) would be a C++ keyword.
  let usePropertiesForAttributes = 0;
  let extraClassDeclaration = [{
    /// Adds the attributes (KernelAttrs.cpp, where their storage is defined).
    void registerAttributes();
  }];
}

#endif // LLMC_DIALECT_KERNEL_DIALECT_TD
