// Launch costs of a LLaMA-family decoder counted from its shapes.
#include "runtime/estimate/ShapeCosts.h"

#include <algorithm>

namespace llmc {

namespace {

constexpr double kBf16 = 2, kF32 = 4, kI32 = 4;
/// Query rows a prefill attention block serves per KV head, so K and V are
/// read once per this many rows (the kernel library's 64-row query tile).
constexpr double kPrefillQueryTile = 64;
/// Slot-state bytes a sampling or slot-update row touches (12 int/float
/// arrays, the stop ids).
constexpr double kSlotStateBytesPerRow = 64;

LaunchCost rmsNormCost(int64_t dim) {
  LaunchCost c;
  c.flops.perRow = 4.0 * double(dim); // square, sum, scale, weight
  c.bytes.fixed = kBf16 * double(dim);
  c.bytes.perRow = 2 * kBf16 * double(dim);
  return c;
}

/// A launch whose per-row terms run over a fixed `rows` (the prefill logits
/// over max_slots gathered rows) instead of the phase's token rows.
LaunchCost atFixedRows(LaunchCost c, double rows) {
  c.flops.fixed += c.flops.perRow * rows;
  c.bytes.fixed += c.bytes.perRow * rows;
  c.flops.perRow = c.bytes.perRow = 0;
  return c;
}

/// The launches of one forward pass (prefill or decode).
std::vector<LaunchCost> forwardLaunches(const ModelConfig &config, bool prefill,
                                        int64_t maxSlots) {
  const double d = double(config.dim), q = double(config.qDim()),
               kv = double(config.kvDim()), f = double(config.ffnDim),
               v = double(config.vocabSize);
  std::vector<LaunchCost> launches;

  LaunchCost embed;
  embed.bytes.perRow = kI32 + 2 * kBf16 * d; // id, table row, result row
  launches.push_back(embed);

  for (int64_t layer = 0; layer < config.numLayers; ++layer) {
    launches.push_back(rmsNormCost(config.dim));
    // q, k and v in one projection; k and v go to the cache, q to the arena.
    launches.push_back(projectionCost(config.qDim() + 2 * config.kvDim(),
                                      config.dim, kBf16 * d + kI32,
                                      kBf16 * (q + 2 * kv)));

    LaunchCost attention;
    attention.flops.perRowContext = 4 * q;  // q.k and p.v per head
    attention.bytes.perRow = 2 * kBf16 * q; // q in, output out
    if (prefill) {
      // One block serves a 64-row tile of query rows (times the GQA group)
      // of one KV head, reading K and V once for the tile.
      const double group = double(config.numHeads / config.numKvHeads);
      attention.bytes.perRowContext =
          2 * kBf16 * kv * group / kPrefillQueryTile;
      launches.push_back(attention);
    } else {
      attention.bytes.perRowContext = 2 * kBf16 * kv;
      launches.push_back(attention);
      // The reduce of the split-KV partitions: fp32 partial outputs in.
      LaunchCost reduce;
      reduce.bytes.perRow = kF32 * q + kBf16 * q;
      launches.push_back(reduce);
    }

    // o projection with the residual added in its epilogue.
    launches.push_back(
        projectionCost(config.dim, config.qDim(), kBf16 * q, 2 * kBf16 * d));
    launches.push_back(rmsNormCost(config.dim));
    // gate and up in one projection, SwiGLU in the epilogue.
    launches.push_back(
        projectionCost(2 * config.ffnDim, config.dim, kBf16 * d, kBf16 * f));
    launches.push_back(
        projectionCost(config.dim, config.ffnDim, kBf16 * f, 2 * kBf16 * d));
  }

  LaunchCost finalNorm = rmsNormCost(config.dim);
  LaunchCost logits =
      projectionCost(config.vocabSize, config.dim, kBf16 * d, kF32 * v);
  if (prefill) {
    // Only each sequence's last row is projected: gathered into max_slots
    // rows, whatever the prompt rows.
    finalNorm = atFixedRows(finalNorm, double(maxSlots));
    logits = atFixedRows(logits, double(maxSlots));
  }
  launches.push_back(finalNorm);
  launches.push_back(logits);
  return launches;
}

std::vector<LaunchCost> sampleLaunches(const ModelConfig &config) {
  const double v = double(config.vocabSize);
  LaunchCost sampling;
  sampling.flops.perRow = 4 * v; // scale, max, exp, sum over the logits
  sampling.bytes.perRow = kF32 * v + kSlotStateBytesPerRow;
  LaunchCost update;
  update.bytes.perRow = kSlotStateBytesPerRow;
  return {sampling, update};
}

/// The widest activations live at once in a forward pass over `rows` rows:
/// the residual, a normed copy and the wider of attention's q + output and
/// the SwiGLU output.
uint64_t forwardArenaBytes(const ModelConfig &config, int64_t rows) {
  const int64_t widest = std::max(2 * config.qDim(), config.ffnDim);
  return uint64_t(rows * (2 * config.dim + widest)) * 2;
}

} // namespace

LaunchCost projectionCost(int64_t n, int64_t k, double inBytesPerRow,
                          double outBytesPerRow) {
  LaunchCost c;
  c.flops.perRow = 2.0 * double(n) * double(k);
  c.bytes.fixed = kBf16 * double(n) * double(k);
  c.bytes.perRow = inBytesPerRow + outBytesPerRow;
  return c;
}

StatusOr<EngineCosts> engineCostsFromConfig(const ModelConfig &config,
                                            const ShapeOptions &options,
                                            const std::string &source) {
  LLMC_RETURN_IF_ERROR(config.validate(source));
  if (options.maxSlots < 1)
    return Status::error("max slots must be at least 1, got " +
                         std::to_string(options.maxSlots));
  if (options.maxPrefillTokens < 1)
    return Status::error("max prefill tokens must be at least 1, got " +
                         std::to_string(options.maxPrefillTokens));
  if (options.kvBlockSize < 1)
    return Status::error("KV block size must be at least 1, got " +
                         std::to_string(options.kvBlockSize));

  EngineCosts costs;
  costs.config = config;
  costs.source = source;
  costs.approximate = true;
  costs.maxSlots = options.maxSlots;
  costs.maxSeqLen = config.maxSeqLen;
  costs.kvBlockSize = options.kvBlockSize;
  costs.weightBytes = uint64_t(config.parameterCount()) * 2;

  const uint64_t logitsBytes =
      uint64_t(options.maxSlots * config.vocabSize) * 4 +
      uint64_t(options.maxSlots * config.dim) * 2;
  costs.prefill = {"prefill", options.maxPrefillTokens,
                   forwardArenaBytes(config, options.maxPrefillTokens) +
                       logitsBytes,
                   forwardLaunches(config, /*prefill=*/true, options.maxSlots)};
  costs.decode = {"decode", options.maxSlots,
                  forwardArenaBytes(config, options.maxSlots) + logitsBytes,
                  forwardLaunches(config, /*prefill=*/false, options.maxSlots)};
  costs.sample = {"sample", options.maxSlots, uint64_t(options.maxSlots) * 4,
                  sampleLaunches(config)};
  return costs;
}

} // namespace llmc
