// EngineCosts: what the roofline estimate needs to know about an engine: the
// work of every launch of its three phases (prefill, decode, sample) as cost
// terms, the rows each phase is sized for, its weight bytes, its KV-cache
// geometry and its arenas.
//
// One source fills it: an engine's manifest, the compiler's own count of every
// launch it emitted (for a model not compiled yet, llm-estimate has
// llm-compile write the manifest alone).
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"
#include "runtime/model/ModelConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {

/// One launch sequence: its launches' costs, in order.
struct PhaseCosts {
  std::string name;    ///< "prefill", "decode", "sample"
  int64_t maxRows = 0; ///< the most token rows one run takes
  uint64_t arenaBytes = 0;
  std::vector<LaunchCost> launches;
};

struct EngineCosts {
  ModelConfig config;
  std::string source; ///< "engine DIR" or "config FILE"
  PhaseCosts prefill, decode, sample;
  int64_t maxSlots = 0;    ///< requests decoded at once
  int64_t maxSeqLen = 0;   ///< positions per request
  int64_t kvBlockSize = 1; ///< KV positions per block (memory is paged)
  uint64_t weightBytes = 0;

  /// K and V of one position in every layer: 2 * layers * kv_heads *
  /// head_dim * 2 bytes (bf16).
  uint64_t kvBytesPerToken() const;
  uint64_t arenaBytes() const {
    return prefill.arenaBytes + decode.arenaBytes + sample.arenaBytes;
  }
};

/// The costs a compiled engine's manifest records. Fails, naming `source`,
/// when a phase is missing.
StatusOr<EngineCosts> engineCostsFromManifest(const Manifest &manifest,
                                              const std::string &source);

/// Reads and validates DIR/manifest.json (no weights, no kernels, no GPU).
StatusOr<Manifest> readEngineManifest(const std::string &directory);

} // namespace llmc
