//===- KernelOps.td - the op of the kernel dialect ------------------------===//
//
// `kernel.launch`: one launch of one kernel of the kernel library, with
// everything the code generator needs to write its wrapper (template,
// template parameters, epilogue, baked constants, argument bindings in
// parameter order) and everything the runtime needs to launch it (grid
// expressions, block, dynamic shared memory) or to predict its time (cost).
// Its verifier lives in KernelOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_KERNEL_OPS_TD
#define LLMC_DIALECT_KERNEL_OPS_TD

include "dialects/Kernel/IR/KernelDialect.td"
include "dialects/Kernel/IR/KernelAttrs.td"
include "mlir/IR/SymbolInterfaces.td"

class Kernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kernel_Dialect, mnemonic, traits>;

// The key/value cache value threaded through the launches (llm dialect).
def Kernel_KVCache : Type<CPred<"::llvm::isa<::mlir::llm::KVCacheType>($_self)">,
                          "!llm.kv_cache", "::mlir::llm::KVCacheType">;

// What flows between launches: tensors in their storage types, and the cache.
def Kernel_Value : AnyTypeOf<[AnyRankedTensor, Kernel_KVCache]>;

def Kernel_LaunchOp : Kernel_Op<"launch", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "launches one kernel of the kernel library";
  let description = [{
    Launches the kernel `kernel` (its function name, a C identifier). The
    kernel instantiates the kernel-library template `template` with the
    integer template parameters `params` (by the names the `.cuh` uses; the
    code generator orders them as the template declares them) and, for the
    projection templates (`Gemv`, `GemmMma`), the epilogue `epilogue` with
    `epilogue_params`. `constants` are compile-time numbers the wrapper bakes
    in (eps, scale, strides, max_blocks_per_seq, ...). Launches with the same
    instantiation share one kernel name.

    `args` lists the wrapper's parameters in order, each as a binding
    (KernelAttrs.td). `#kernel.operand<i>` and `#kernel.result<i>` refer to
    the launch's SSA values; `tied` says, per result, the operand index
    whose buffer the result is written into (in place), or -1.

    `grid` holds three launch-dimension expressions (runtime/engine/
    LaunchDims.h: `INT`, `SYM`, `ceildiv([INT *] SYM, INT)` or
    `INT * ceildiv(...)`, SYM one of `rows`, `seqs`, `max_chunk_rows`),
    `block` the threads per block (1..1024) and `smem` the dynamic shared
    memory in bytes. `fused` records the llm ops the launch executes, `layer`
    the decoder layer it belongs to, and `cost` its work.

    `variants` lists guarded alternatives (`#kernel.variant`), tried in
    order before the launch's own kernel, which runs when no guard holds: a
    tile for runs of few token rows, a kernel only some archs compile. Each
    takes the launch's arguments; the code generator emits it as the kernel
    `<kernel><suffix>` (inside `#if` on the arch when its guard names archs),
    and the runtime picks by the loaded code's arch and the run's rows.

    Every instantiation (the launch's own and each variant's) must agree
    with its template's definition in the kernel registry
    (compiler/kernels/registry): the template parameters, epilogue and
    constants it declares, and one binding of the right kind per wrapper
    parameter, so that what the verifier accepts the code generator can
    write.

    Requires operand/result bindings and `tied` entries to name existing
    values (a tied result has its operand's type, and no operand is
    overwritten twice), KV-cache bindings to name a layer of the cache the
    launch threads, weight bindings to name `llm.weight`s, arena slices to lie
    inside the function's `kernel.arena_bytes`, and every parameter and
    constant to be a number.

    Example:

    ```mlir
    %q, %c1 = kernel.launch "decode_qkv_rope_cache" (%h, %c0, %positions) {
        template = "Gemv",
        params = {N = 480, K = 288, MaxT = 8, Warps = 8, RowsPerWarp = 2, TileN = 16},
        epilogue = "RopeKvWrite",
        epilogue_params = {Heads = 6, KvHeads = 6, HeadDim = 48, BlockSize = 16, Layout = 0},
        constants = {max_blocks_per_seq = 16},
        fused = ["llm.qkv_rope_cache"], layer = 0,
        grid = ["30", "1", "1"], block = 256, smem = 0,
        args = [#kernel.operand<0>, #kernel.weight<@"model.layers.0.self_attn.qkv_proj.weight">,
                #kernel.input<"positions">, #kernel.null, #kernel.input<"block_tables">,
                #kernel.constant<"rope_inv_freq">, #kernel.result<0>,
                #kernel.kv_keys<0>, #kernel.kv_values<0>, #kernel.scalar<"rows">],
        tied = array<i64: -1, 1>,
        cost = #kernel.cost<flops_per_row = 276480, bytes_fixed = 276480, bytes_per_row = 1536>}
      : (tensor<8x288xbf16>, !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48, max_seq_len = 256, bf16>, tensor<8xi32>)
     -> (tensor<8x288xbf16>, !llm.kv_cache<layers = 6, kv_heads = 6, head_dim = 48, max_seq_len = 256, bf16>)
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<Kernel_Value>:$inputs,
                       StrAttr:$template, DictionaryAttr:$params,
                       OptionalAttr<StrAttr>:$epilogue,
                       OptionalAttr<DictionaryAttr>:$epilogue_params,
                       OptionalAttr<DictionaryAttr>:$constants,
                       StrArrayAttr:$fused, OptionalAttr<I64Attr>:$layer,
                       StrArrayAttr:$grid, I64Attr:$block, I64Attr:$smem,
                       Kernel_BindingArrayAttr:$args,
                       OptionalAttr<DenseI64ArrayAttr>:$tied,
                       Kernel_CostAttr:$cost,
                       OptionalAttr<Kernel_VariantArrayAttr>:$variants);
  let results = (outs Variadic<Kernel_Value>:$outputs);
  let assemblyFormat = [{
    $kernel `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;
  // The generated per-attribute builders would take a parameter named
  // `template`; launches are built from result types, operands and a
  // NamedAttrList instead.
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::mlir::TypeRange":$resultTypes,
                   "::mlir::ValueRange":$operands,
                   "::llvm::ArrayRef<::mlir::NamedAttribute>":$attributes), [{
      $_state.addTypes(resultTypes);
      $_state.addOperands(operands);
      $_state.addAttributes(attributes);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The operand whose buffer result `resultIndex` is written into, or
    /// nullptr when the result has its own buffer.
    ::mlir::Value getTiedOperand(unsigned resultIndex);
    /// The integer template parameter `name`, or failure when absent.
    ::mlir::FailureOr<int64_t> getParam(::llvm::StringRef name);

  private:
    ::mlir::LogicalResult verifyTied();
    ::mlir::LogicalResult verifyBindings();
    ::mlir::LogicalResult verifyVariants();
    ::mlir::LogicalResult verifyAgainstRegistry();
  public:
  }];
}

#endif // LLMC_DIALECT_KERNEL_OPS_TD
