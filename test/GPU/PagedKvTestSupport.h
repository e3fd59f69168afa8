// Paged KV-cache scenarios for GPU tests: which token goes to which slot,
// position and physical block, the reference of the RoPE + KV-cache write
// (what q and the two cache pools must hold afterwards), and the device-side
// state and parameter struct the kernels take (RopeKvParams in Rope.cuh).
//
// Cache pools start poisoned (every byte 0xFF, a bf16 NaN), so the check can
// prove both that every expected row was written and that nothing else was.
#pragma once

#include "runtime/model/ModelConfig.h"
#include "test/GPU/KernelHarness.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace llmc::gputest {

/// One layer's paged cache and the tokens of one launch.
struct PagedKvScenario {
  int heads = 0, kvHeads = 0, headDim = 0, blockSize = 0;
  int numBlocks = 0;                ///< physical blocks in the pool
  int maxBlocksPerSeq = 0;          ///< block-table row length
  int numSlots = 0;                 ///< block-table rows
  std::vector<int32_t> positions;   ///< [T]; negative = no sequence
  std::vector<int32_t> tokenSlots;  ///< [T]; empty = token t uses row t
  std::vector<int32_t> blockTables; ///< [numSlots * maxBlocksPerSeq]

  int numTokens() const { return int(positions.size()); }
  int slotOf(int t) const { return tokenSlots.empty() ? t : tokenSlots[t]; }
  /// Pool element offset of (token t, kv head) or -1 when t stores nothing.
  int64_t cacheOffset(int t, int kvHead) const;
  std::size_t poolElements() const {
    return std::size_t(numBlocks) * kvHeads * blockSize * headDim;
  }
  /// Columns of the merged QKV row, (heads + 2 kvHeads) * headDim.
  int qkvColumns() const { return (heads + 2 * kvHeads) * headDim; }
};

/// Decode: token t is slot t at a random position below maxPosition, each slot
/// with its own randomly chosen blocks. If set, row `idleRow` has position -1
/// and row `unmappedRow` has the block of its position unmapped (-1): neither
/// may write the cache.
PagedKvScenario makeDecodeScenario(int heads, int kvHeads, int headDim,
                                   int blockSize, int numTokens,
                                   int maxPosition, uint64_t seed,
                                   int idleRow = -1, int unmappedRow = -1);

/// Prefill: consecutive tokens of several sequences, given as (first
/// position, length) pairs; sequence i is slot i.
PagedKvScenario
makePrefillScenario(int heads, int kvHeads, int headDim, int blockSize,
                    const std::vector<std::pair<int, int>> &sequences,
                    uint64_t seed);

/// What the RoPE + KV-cache write must produce from the merged projection
/// output qkv (fp32 [T, qkvColumns], before rotation).
struct RopeKvExpected {
  std::vector<float> q;      ///< [T, heads * headDim], rotated
  std::vector<float> kCache; ///< [pool]; NaN where nothing may be written
  std::vector<float> vCache;
};

RopeKvExpected ropeKvReference(const PagedKvScenario &scenario,
                               const std::vector<float> &qkv,
                               const std::vector<float> &inverseFrequencies,
                               RopeStyle style);

/// Compares q and both pools (raw bf16 bits as downloaded) with `expected`:
/// written elements within tolerance, unwritten ones still the 0xFFFF poison.
::testing::AssertionResult
matchesRopeKv(const RopeKvExpected &expected, const std::vector<float> &q,
              const std::vector<uint16_t> &kCacheBits,
              const std::vector<uint16_t> &vCacheBits, double rtol, double atol,
              const std::string &what);

/// Host mirror of RopeKvParams (Rope.cuh), passed by value to kernels.
struct RopeKvParamsArg {
  CUdeviceptr positions = 0;
  CUdeviceptr tokenSlots = 0;
  CUdeviceptr blockTables = 0;
  int32_t maxBlocksPerSeq = 0;
  int32_t padding = 0;
  CUdeviceptr inverseFrequencies = 0;
  CUdeviceptr q = 0;
  CUdeviceptr kCache = 0;
  CUdeviceptr vCache = 0;
  CUdeviceptr bias = 0;  ///< merged q/k/v bias; 0: none
  CUdeviceptr qNorm = 0; ///< q/k head-norm scales; 0: none
  CUdeviceptr kNorm = 0;
  float normEps = 0;
  int32_t tailPadding = 0;
};
static_assert(sizeof(RopeKvParamsArg) == 96,
              "must match RopeKvParams' layout on the device");

/// The scenario on the device: inputs uploaded, q and both pools poisoned.
struct RopeKvDeviceState {
  DeviceArray<int32_t> positions, tokenSlots, blockTables;
  DeviceArray<float> inverseFrequencies;
  DeviceArray<uint16_t> q, kCache, vCache;

  RopeKvParamsArg params(const PagedKvScenario &scenario) const;
};

StatusOr<RopeKvDeviceState>
uploadRopeKv(const GpuContext &gpu, const PagedKvScenario &scenario,
             const std::vector<float> &inverseFrequencies);

/// The model-family steps between the QKV projection and RoPE: Qwen2's merged
/// q/k/v bias, Qwen3's per-head q/k RMSNorm. Empty vectors: the step is off.
struct QkvFamilyInputs {
  std::vector<float> bias;         ///< [qkvColumns], bf16-exact
  std::vector<float> qNorm, kNorm; ///< [headDim] each, bf16-exact
  float normEps = 1e-6f;
};

/// Random family inputs for `scenario`: a bias in [-1, 1) when `bias`, norm
/// scales in [0.5, 1.5) when `headNorm`.
QkvFamilyInputs makeQkvFamilyInputs(const PagedKvScenario &scenario, bool bias,
                                    bool headNorm, uint64_t seed);

/// qkv (fp32 [T, qkvColumns]) after the family steps, computed by the CPU
/// reference (ref::addBias, ref::headRmsNorm): what ropeKvReference rotates.
std::vector<float> applyQkvFamily(const PagedKvScenario &scenario,
                                  std::vector<float> qkv,
                                  const QkvFamilyInputs &inputs);

/// The family inputs on the device; fill() sets the matching RopeKvParams
/// fields (left 0 for steps that are off).
struct QkvFamilyDevice {
  DeviceArray<uint16_t> bias, qNorm, kNorm;
  float normEps = 0;
  void fill(RopeKvParamsArg &params) const;
};

StatusOr<QkvFamilyDevice> uploadQkvFamily(const GpuContext &gpu,
                                          const QkvFamilyInputs &inputs);

/// Llama-style inverse frequencies (theta 10000, or 500000 with Llama 3
/// scaling when `llama3`), from the CPU reference.
std::vector<float> testInverseFrequencies(int headDim, bool llama3);

} // namespace llmc::gputest
