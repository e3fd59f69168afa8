//===- KernelAttrs.td - bindings and costs of kernel launches -------------===//
//
// A kernel's arguments are listed on its `kernel.launch` in the order of the
// kernel's parameters, each as a binding attribute that says what the runtime
// passes: an SSA value of the launch (operand / result, replaced by an arena
// slice when memory is planned), a weight, a layer of the KV cache, a
// runtime-owned buffer, a slot-state array, an engine constant table, a
// per-launch integer, or nothing. The names of runtime buffers, slot arrays
// and scalars are those of the engine manifest (runtime/engine/Manifest.h).
// `#kernel.cost` carries a launch's work as the manifest's cost terms.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_KERNEL_ATTRS_TD
#define LLMC_DIALECT_KERNEL_ATTRS_TD

include "dialects/Kernel/IR/KernelDialect.td"

class Kernel_Attr<string name, string attrMnemonic>
    : AttrDef<Kernel_Dialect, name> {
  let mnemonic = attrMnemonic;
}

// A binding by a non-negative integer: `#kernel.<mnemonic><N>`.
class Kernel_IndexBindingAttr<string name, string attrMnemonic,
                              string indexName>
    : Kernel_Attr<name, attrMnemonic> {
  let parameters = (ins "int64_t":$index);
  let assemblyFormat = "`<` $index `>`";
  // The index must not be negative.
  let genVerifyDecl = 1;
  let extraClassDeclaration = "int64_t get" # indexName #
                              "() const { return getIndex(); }";
}

// A binding by name: `#kernel.<mnemonic><"name">`.
class Kernel_NamedBindingAttr<string name, string attrMnemonic>
    : Kernel_Attr<name, attrMnemonic> {
  let parameters = (ins StringRefParameter<"the bound object's name">:$name);
  let assemblyFormat = "`<` $name `>`";
  // The name must be one the runtime knows.
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// SSA bindings (before memory planning)
//===----------------------------------------------------------------------===//

def Kernel_OperandAttr
    : Kernel_IndexBindingAttr<"Operand", "operand", "OperandIndex"> {
  let summary = "the buffer of the launch's operand #index";
  let description = [{
    Passes the device address of the tensor that is operand `index` of the
    launch. `llm-plan-memory` replaces it by the operand's arena slice.

    Example: `#kernel.operand<0>`
  }];
}

def Kernel_ResultAttr
    : Kernel_IndexBindingAttr<"Result", "result", "ResultIndex"> {
  let summary = "the buffer of the launch's result #index";
  let description = [{
    Passes the device address of the tensor that is result `index` of the
    launch (the kernel writes it). For a result tied to an operand, this is
    the operand's buffer. `llm-plan-memory` replaces it by the result's arena
    slice.

    Example: `#kernel.result<0>`
  }];
}

//===----------------------------------------------------------------------===//
// Memory bindings
//===----------------------------------------------------------------------===//

def Kernel_ArenaAttr : Kernel_Attr<"Arena", "arena"> {
  let summary = "a slice of the phase's activation arena";
  let description = [{
    Passes the arena's base address plus `offset`; the tensor takes `bytes`
    bytes at the phase's largest row count. Offsets are multiples of 256
    (llmc::kArenaAlignment). Produced by `llm-plan-memory`.

    Example: `#kernel.arena<4608, 2304>`
  }];
  let parameters = (ins "int64_t":$offset, "int64_t":$bytes);
  let assemblyFormat = "`<` $offset `,` $bytes `>`";
  // offset >= 0 and aligned, bytes > 0.
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// One past the last byte of the slice.
    int64_t getEnd() const { return getOffset() + getBytes(); }
    /// True when the two slices share a byte.
    bool overlaps(ArenaAttr other) const {
      return getOffset() < other.getEnd() && other.getOffset() < getEnd();
    }
  }];
}

def Kernel_WeightAttr : Kernel_Attr<"Weight", "weight"> {
  let summary = "a weight tensor of the engine";
  let description = [{
    Passes the device address of the `llm.weight` named `name` (derived
    weights included: the engine stores them already merged).

    Example: `#kernel.weight<@"model.layers.0.self_attn.qkv_proj.weight">`
  }];
  let parameters = (ins "::mlir::FlatSymbolRefAttr":$name);
  let assemblyFormat = "`<` $name `>`";
}

def Kernel_KvKeysAttr
    : Kernel_IndexBindingAttr<"KvKeys", "kv_keys", "Layer"> {
  let summary = "the paged key pool of one layer";
  let description = [{
    Passes the base address of layer `index`'s blocks in the paged K pool
    (compiler/kernels/README.md, "Paged KV cache").

    Example: `#kernel.kv_keys<0>`
  }];
}

def Kernel_KvValuesAttr
    : Kernel_IndexBindingAttr<"KvValues", "kv_values", "Layer"> {
  let summary = "the paged value pool of one layer";
  let description = [{
    Passes the base address of layer `index`'s blocks in the paged V pool.

    Example: `#kernel.kv_values<0>`
  }];
}

def Kernel_InputAttr : Kernel_NamedBindingAttr<"Input", "input"> {
  let summary = "a buffer the runtime owns and fills";
  let description = [{
    Passes a runtime-owned device buffer: `tokens`, `positions`,
    `token_slots`, `block_tables`, `seq_slots`, `query_starts`,
    `start_positions`, `logit_rows`, `logits`, `slot_mask`, `token_ring` or
    `step_counter` (runtime/engine/Manifest.h, ArgKind::Input).

    Example: `#kernel.input<"positions">`
  }];
}

def Kernel_SlotAttr : Kernel_NamedBindingAttr<"Slot", "slot"> {
  let summary = "an array of the per-slot decode state";
  let description = [{
    Passes one array of the device slot state (compiler/kernels/SlotState.cuh):
    `tokens`, `positions`, `generated`, `finished`, `max_new_tokens`,
    `stop_ids`, `eos_ids`, `context_limits`, `temperatures`, `top_ks`,
    `top_ps` or `seeds`.

    Example: `#kernel.slot<"finished">`
  }];
}

def Kernel_ConstantAttr : Kernel_NamedBindingAttr<"Constant", "constant"> {
  let summary = "an engine constant table";
  let description = [{
    Passes the device address of a table the engine uploads once (the
    manifest's `constants`), e.g. `rope_inv_freq`. The name is an
    identifier.

    Example: `#kernel.constant<"rope_inv_freq">`
  }];
}

def Kernel_ScalarAttr : Kernel_NamedBindingAttr<"Scalar", "scalar"> {
  let summary = "an int32 known at each launch";
  let description = [{
    Passes an integer the runtime knows when it launches the phase: `rows`
    (token rows of the run), `seqs` (sequences of a prefill batch),
    `max_chunk_rows` (rows of the longest prefill chunk) or `ring_rows` (rows
    of the host token ring).

    Example: `#kernel.scalar<"rows">`
  }];
}

def Kernel_NullAttr : Kernel_Attr<"Null", "null"> {
  let summary = "a null pointer";
  let description = [{
    Passes `nullptr`: an optional argument the kernel does without, e.g.
    decode's token-to-slot map (row s is slot s).

    Example: `#kernel.null`
  }];
}

// Any binding of a kernel argument.
def Kernel_BindingAttr : AnyAttrOf<[Kernel_OperandAttr, Kernel_ResultAttr,
    Kernel_ArenaAttr, Kernel_WeightAttr, Kernel_KvKeysAttr, Kernel_KvValuesAttr,
    Kernel_InputAttr, Kernel_SlotAttr, Kernel_ConstantAttr, Kernel_ScalarAttr,
    Kernel_NullAttr]>;

def Kernel_BindingArrayAttr
    : TypedArrayAttrBase<Kernel_BindingAttr, "kernel argument bindings">;

//===----------------------------------------------------------------------===//
// Launch variants
//===----------------------------------------------------------------------===//

def Kernel_VariantAttr : Kernel_Attr<"Variant", "variant"> {
  let summary = "a guarded alternative kernel of a launch";
  let description = [{
    Another instantiation of the launch's computation, run instead of the
    launch's own kernel when its guard holds: on code compiled for one of
    `archs` (absent: every arch) and for runs of `min_rows`..`max_rows` token
    rows (`max_rows` 0: no upper bound). It takes the launch's arguments,
    epilogue, constants and cost; it has its own template, template
    parameters (`params`, by name), grid expressions, block and dynamic
    shared memory, as the launch's own attributes mean them. Its kernel is
    named the launch's kernel name followed by `suffix`. A launch tries its
    variants in order.

    Example:

    ```mlir
    #kernel.variant<suffix = "_few_rows", template_name = "GemmMma",
                    params = {N = 4096, K = 4096, BM = 64, BN = 64, BK = 64,
                              WarpsM = 2, WarpsN = 2, Stages = 4},
                    grid = ["64", "ceildiv(rows, 64)", "1"], block = 128,
                    smem = 73728, max_rows = 256>
    ```
  }];
  let parameters = (ins
      StringRefParameter<"appended to the launch's kernel name">:$suffix,
      StringRefParameter<"the kernel-library template">:$template_name,
      "::mlir::DictionaryAttr":$params,
      "::mlir::ArrayAttr":$grid,
      "int64_t":$block,
      "int64_t":$smem,
      OptionalParameter<"::mlir::ArrayAttr">:$archs,
      DefaultValuedParameter<"int64_t", "0">:$min_rows,
      DefaultValuedParameter<"int64_t", "0">:$max_rows);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Kernel_VariantArrayAttr
    : TypedArrayAttrBase<Kernel_VariantAttr, "launch variants">;

//===----------------------------------------------------------------------===//
// Cost
//===----------------------------------------------------------------------===//

def Kernel_CostAttr : Kernel_Attr<"Cost", "cost"> {
  let summary = "the work of one launch as fixed, per-row and per-row-context terms";
  let description = [{
    Floating-point operations (a multiply-add counts 2) and bytes moved to
    or from device memory, each as
    `fixed + per_row * rows + per_row_context * rows * context`, where `rows`
    is the launch's token rows and `context` the mean number of positions a
    row attends to (llmc::CostTerms). Terms are non-negative; zero terms are
    not printed. Values print as integers when they are integral.

    Example:

    ```mlir
    #kernel.cost<flops_per_row = 276480, bytes_fixed = 276480, bytes_per_row = 1536>
    ```
  }];
  let parameters = (ins APFloatParameter<"">:$flopsFixed,
                        APFloatParameter<"">:$flopsPerRow,
                        APFloatParameter<"">:$flopsPerRowContext,
                        APFloatParameter<"">:$bytesFixed,
                        APFloatParameter<"">:$bytesPerRow,
                        APFloatParameter<"">:$bytesPerRowContext);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The cost from its two sets of terms.
    static CostAttr get(::mlir::MLIRContext *context,
                        const ::mlir::kernel::CostTerms &flops,
                        const ::mlir::kernel::CostTerms &bytes);
    /// Floating-point operations and bytes moved, as plain numbers.
    ::mlir::kernel::CostTerms getFlops() const;
    ::mlir::kernel::CostTerms getBytes() const;
  }];
}

#endif // LLMC_DIALECT_KERNEL_ATTRS_TD
