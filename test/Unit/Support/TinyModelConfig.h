// The tiny Llama shape the unit tests compute expected sizes and costs by
// hand on.
#pragma once

#include "runtime/model/ModelConfig.h"

#include <cstdint>

namespace llmc::testing {

/// dim 16, 2 query heads and 1 KV head of 8, ffn 32, vocabulary 32, a
/// 64-position context and eos id 2, with `numLayers` layers.
inline ModelConfig tinyModelConfig(int64_t numLayers) {
  ModelConfig c;
  c.name = "tiny";
  c.architecture = "LlamaForCausalLM";
  c.dim = 16;
  c.numLayers = numLayers;
  c.numHeads = 2;
  c.numKvHeads = 1;
  c.headDim = 8;
  c.ffnDim = 32;
  c.vocabSize = 32;
  c.maxSeqLen = 64;
  c.eosTokenIds = {2};
  return c;
}

} // namespace llmc::testing
