// Reads a llama2.c checkpoint (the legacy "version 0" export of llama2.c's
// export.py, e.g. stories15M.bin) into a ModelConfig and a WeightStore.
//
// Layout: a header of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len; a negative vocab_size means the classifier is stored
// separately), then fp32 arrays:
//   token_embedding [vocab, dim]        rms_att   [L, dim]
//   wq [L, dim, dim]   wk [L, kv_dim, dim]   wv [L, kv_dim, dim]   wo [L, dim,
//   dim] rms_ffn [L, dim]   w1 [L, hidden, dim]   w2 [L, dim, hidden]   w3 [L,
//   hidden, dim] rms_final [dim]    freq_cis_real, freq_cis_imag [seq_len,
//   head_dim / 2] wcls [vocab, dim]  (only when not shared with
//   token_embedding)
// with kv_dim = n_kv_heads * dim / n_heads. Every weight becomes a tensor with
// its canonical Hugging Face name (WeightNames.h; w1 -> gate_proj, w3 ->
// up_proj, w2 -> down_proj), one per layer, viewing the memory-mapped file. The
// RoPE tables are skipped: RoPE is recomputed from theta.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/ModelConfig.h"
#include "runtime/model/WeightStore.h"

#include <string>

namespace llmc {

/// A loaded llama2.c checkpoint.
struct Llama2cCheckpoint {
  ModelConfig config;
  WeightStore weights;
};

/// Loads the checkpoint at `path`. The config has RopeStyle::Interleaved (Q/K
/// rows are not permuted), eps 1e-5, theta 10000, bos 1, eos 2, name = the file
/// stem, and tied embeddings when the classifier is shared. The file must be
/// exactly as long as the header implies; the error says the expected and
/// actual byte counts and what the header said.
StatusOr<Llama2cCheckpoint> loadLlama2cCheckpoint(const std::string &path);

/// loadLlama2cCheckpoint on bytes already in memory; `path` names them in
/// messages. Every header field is checked against ConfigLimits first.
StatusOr<Llama2cCheckpoint>
parseLlama2cCheckpoint(std::shared_ptr<Storage> storage,
                       const std::string &path);

} // namespace llmc
