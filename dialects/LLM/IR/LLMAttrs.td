//===- LLMAttrs.td - enums and attributes of the llm dialect ---------------===//
//
// The RoPE style enum (which element pairs a rotation acts on) and the RoPE
// frequency-scaling attribute carried by `llm.rope`.
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

#endif // LLMC_DIALECT_LLM_ATTRS_TD
