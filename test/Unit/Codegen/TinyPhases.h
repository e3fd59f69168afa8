// Launch sequences of a stories15M-shaped model (dim 288, 6 heads of 48,
// ffn 768, vocabulary 32000) with two layers, 8 slots, KV blocks of 16 and a
// 256-token context, written by hand the way outline-kernels and
// plan-memory produce them, for the code generator's tests.
#pragma once

#include "compiler/Codegen/KernelSpec.h"
#include "test/Unit/Support/KernelArgs.h"

namespace llmc::codegen::test {

/// The decode step: embed, per layer norm / QKV + RoPE + KV write / split-KV
/// attention / o_proj / residual norm / gate-up SwiGLU / down + residual,
/// final norm and the logits projection.
PhaseSpec tinyDecode();
/// The prefill step: the same on tensor-core GEMMs and paged prefill
/// attention, ending in the gather of each slot's last row.
PhaseSpec tinyPrefill();
/// Sampling and the slot update.
PhaseSpec tinySample();

/// Bindings, for tests that edit a launch.
using llmc::testing::arenaArg;
using llmc::testing::layerArg;
using llmc::testing::namedArg;
using llmc::testing::nullArg;

} // namespace llmc::codegen::test
