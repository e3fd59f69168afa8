//===- LLMAttrs.td - enums and attributes of the llm dialect ---------------===//
//
// The RoPE style enum (which element pairs a rotation acts on), the RoPE
// frequency-scaling attribute carried by `llm.rope`, and the derived-weight
// attributes that say how a fused projection's weight is built from others.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECT_LLM_ATTRS_TD
#define LLMC_DIALECT_LLM_ATTRS_TD

include "dialects/LLM/IR/LLMDialect.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// RoPE style
//===----------------------------------------------------------------------===//

def LLM_RopeStyle : I32EnumAttr<"RopeStyle", "which element pairs RoPE rotates", [
    // llama2.c and Meta's original code: pairs (2i, 2i+1).
    I32EnumAttrCase<"Interleaved", 0, "interleaved">,
    // Hugging Face "rotate_half": pairs (i, i + head_dim/2).
    I32EnumAttrCase<"HalfSplit", 1, "half_split">
  ]> {
  let cppNamespace = "::mlir::llm";
  // The dialect attribute below wraps the enum; no IntegerAttr form.
  let genSpecializedAttr = 0;
}

// Prints as a bare keyword inside op syntax (`style interleaved`) and as
// `#llm<rope_style interleaved>` on its own.
def LLM_RopeStyleAttr : EnumAttr<LLM_Dialect, LLM_RopeStyle, "rope_style">;

//===----------------------------------------------------------------------===//
// RoPE scaling
//===----------------------------------------------------------------------===//

def LLM_RopeScalingKind : I32EnumAttr<"RopeScalingKind",
                                      "how RoPE frequencies are rescaled", [
    // Llama 3.1: wavelength-dependent interpolation between scaled and
    // unscaled frequencies (HF rope_scaling.rope_type == "llama3").
    I32EnumAttrCase<"Llama3", 0, "llama3">
  ]> {
  let cppNamespace = "::mlir::llm";
  let genSpecializedAttr = 0;
}

// A 64-bit float attribute parameter written as a float literal.
def LLM_F64Parameter : APFloatParameter<"a 64-bit float"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    ::llvm::APFloat value(0.0);
    if ($_parser.parseFloat(::llvm::APFloat::IEEEdouble(), value))
      return ::mlir::failure();
    return value;
  }() }];
}

def LLM_RopeScalingAttr : AttrDef<LLM_Dialect, "RopeScaling"> {
  let mnemonic = "rope_scaling";
  let summary = "frequency scaling of rotary position embeddings";
  let description = [{
    Rescales RoPE's inverse frequencies to stretch the context a model was
    trained on. `llama3` (Llama 3.1) keeps high frequencies (wavelength below
    `original_max_position / high_freq_factor`) unchanged, divides low
    frequencies (wavelength above `original_max_position / low_freq_factor`)
    by `factor`, and interpolates smoothly between the two.

    Requires `factor >= 1`, `0 < low_freq_factor < high_freq_factor` and
    `original_max_position > 0`.

    Example:

    ```mlir
    #llm.rope_scaling<llama3, factor = 8.0, low_freq_factor = 1.0,
                      high_freq_factor = 4.0, original_max_position = 8192>
    ```
  }];
  let parameters = (ins
    EnumParameter<LLM_RopeScalingKind>:$kind,
    LLM_F64Parameter:$factor,
    LLM_F64Parameter:$lowFreqFactor,
    LLM_F64Parameter:$highFreqFactor,
    "int64_t":$originalMaxPosition
  );
  let assemblyFormat = [{
    `<` $kind `,` `factor` `=` $factor `,`
        `low_freq_factor` `=` $lowFreqFactor `,`
        `high_freq_factor` `=` $highFreqFactor `,`
        `original_max_position` `=` $originalMaxPosition `>`
  }];
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "::mlir::llm::RopeScalingKind":$kind, "double":$factor,
                     "double":$lowFreqFactor, "double":$highFreqFactor,
                     "int64_t":$originalMaxPosition), [{
      return $_get($_ctxt, kind, ::llvm::APFloat(factor),
                   ::llvm::APFloat(lowFreqFactor),
                   ::llvm::APFloat(highFreqFactor), originalMaxPosition);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Derived weights
//===----------------------------------------------------------------------===//

def LLM_DerivedWeightAttrInterface
    : AttrInterface<"DerivedWeightAttrInterface"> {
  let cppNamespace = "::mlir::llm";
  let description = [{
    Says how a derived `llm.weight` is built from other (source) weights,
    row by row: the fusion passes merge several projections of one input
    into one, and the merged projection reads a weight that no checkpoint
    stores. Every source is a 2-D `[rows, in]` weight with the same `in`; the
    derived weight is `[sum of rows, in]` and each of its rows is one row of
    one source. (`#llm.concat` also joins vectors, the biases of merged
    projections: a vector is a column of rows of one element.) Whoever materializes weights (the interpreter, the engine
    writer) builds the derived ones from their sources with `getSourceRow`.
  }];
  let methods = [
    InterfaceMethod<"Returns the source weights (flat symbol references).",
      "::mlir::ArrayAttr", "getSourceWeights", (ins), [{}], [{
        return $_attr.getSources();
      }]>,
    InterfaceMethod<[{
        Returns the shape of the derived weight built from sources of shapes
        `sourceShapes` (one per source, in order), or failure with `why` set
        to the reason they do not combine.
      }],
      "::mlir::FailureOr<::llvm::SmallVector<int64_t>>", "inferShape",
      (ins "::llvm::ArrayRef<::llvm::ArrayRef<int64_t>>":$sourceShapes,
           "std::string &":$why)>,
    InterfaceMethod<[{
        Returns (source index, row of that source) for row `row` of the
        derived weight, given the row count of every source (shapes already
        checked by `inferShape`).
      }],
      "std::pair<unsigned, int64_t>", "getSourceRow",
      (ins "::llvm::ArrayRef<int64_t>":$sourceRows, "int64_t":$row)>
  ];
}

// A derived-weight attribute: `#llm.<mnemonic><[@a, @b, ...]>`.
class LLM_DerivedWeightAttr<string name, string attrMnemonic>
    : AttrDef<LLM_Dialect, name, [DeclareAttrInterfaceMethods<
                                      LLM_DerivedWeightAttrInterface>]> {
  let mnemonic = attrMnemonic;
  let parameters = (ins "::mlir::ArrayAttr":$sources);
  let assemblyFormat = "`<` $sources `>`";
  // At least two flat symbol references.
  let genVerifyDecl = 1;
}

def LLM_ConcatAttr : LLM_DerivedWeightAttr<"Concat", "concat"> {
  let summary = "a weight made of its sources' rows, source after source";
  let description = [{
    The rows of the first source, then those of the second, and so on: the
    fused QKV projection's `[Wq; Wk; Wv]`, whose output columns are q, then
    k, then v (split back by `llm.split`). Sources must have the same number
    of columns.

    Example:

    ```mlir
    llm.weight @qkv : tensor<384x256xbf16> = #llm.concat<[@q, @k, @v]>
    ```
  }];
}

def LLM_InterleaveRowsAttr
    : LLM_DerivedWeightAttr<"InterleaveRows", "interleave_rows"> {
  let summary = "a weight whose rows alternate between its sources";
  let description = [{
    With `n` sources of `R` rows each, row `n * i + j` is row `i` of source
    `j`: the fused gate/up projection (rows `2i` = gate row `i`, `2i + 1` =
    up row `i`), so that one output tile of the merged GEMM holds both
    halves of each SwiGLU product. Its output is split back by
    `llm.split ... interleaved`. Sources must have the same shape.

    Example:

    ```mlir
    llm.weight @gate_up : tensor<1536x288xbf16>
        = #llm.interleave_rows<[@gate, @up]>
    ```
  }];
}

#endif // LLMC_DIALECT_LLM_ATTRS_TD
