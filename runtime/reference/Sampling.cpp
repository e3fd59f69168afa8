// Token sampling of the CPU reference: greedy, temperature, top-k and top-p.
//
// The procedure is spelled out so that a GPU sampler can reproduce it exactly:
//   1. temperature == 0: argmax, the lowest id winning ties.
//   2. p = softmax(logits / temperature), computed in double.
//   3. top-k: keep the k most probable tokens (ties broken by lower id).
//   4. top-p: renormalize the kept set, order it by (probability desc, id asc)
//      and keep the shortest prefix whose mass reaches top_p (at least one).
//   5. draw u = uniformFromCounter(seed, step) and walk the kept tokens in
//      ascending id order until the cumulative mass exceeds u * total.
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace llmc::ref {

Status SamplingParams::validate() const {
  auto fail = [](const char *name, const char *rule, auto value) {
    std::ostringstream message;
    message << "sampling parameter " << name << " must be " << rule << ", got "
            << value;
    return Status::error(message.str());
  };
  if (!std::isfinite(temperature) || temperature < 0.0f)
    return fail("temperature", "finite and >= 0", temperature);
  if (topK < 0)
    return fail("top_k", ">= 0", topK);
  if (!(topP > 0.0f && topP <= 1.0f))
    return fail("top_p", "in (0, 1]", topP);
  return Status::ok();
}

/// SplitMix64's output function: a bijective 64-bit mixer.
static uint64_t splitMix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

float uniformFromCounter(uint64_t seed, uint64_t step) {
  // Mix the seed first so that (seed, step) and (seed + 1, step - 1) differ,
  // then advance by the golden-ratio increment per step as SplitMix64 does.
  uint64_t z = splitMix64(seed + 0x9e3779b97f4a7c15ULL) +
               (step + 1) * 0x9e3779b97f4a7c15ULL;
  // 24 random bits fill a float's mantissa exactly; the result is < 1.
  return float(splitMix64(z) >> 40) * (1.0f / 16777216.0f);
}

static int32_t argmax(const float *logits, int64_t vocab) {
  int64_t best = 0;
  for (int64_t i = 1; i < vocab; ++i)
    if (logits[i] > logits[best]) // strict: the lowest id wins ties
      best = i;
  return int32_t(best);
}

int32_t sample(const float *logits, int64_t vocab, const SamplingParams &params,
               uint64_t step) {
  if (params.temperature == 0.0f || vocab == 1)
    return argmax(logits, vocab);

  // Stable softmax of logits / temperature.
  std::vector<double> probs(static_cast<size_t>(vocab));
  double maxLogit = logits[argmax(logits, vocab)];
  double total = 0.0;
  for (int64_t i = 0; i < vocab; ++i) {
    probs[size_t(i)] =
        std::exp((double(logits[i]) - maxLogit) / double(params.temperature));
    total += probs[size_t(i)];
  }
  for (double &p : probs)
    p /= total;

  std::vector<char> kept(size_t(vocab), 1);
  const bool useTopK = params.topK > 0 && params.topK < vocab;
  const bool useTopP = params.topP < 1.0f;
  if (useTopK || useTopP) {
    std::vector<int32_t> order(static_cast<size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    auto moreProbable = [&](int32_t a, int32_t b) {
      return probs[size_t(a)] > probs[size_t(b)] ||
             (probs[size_t(a)] == probs[size_t(b)] && a < b);
    };
    int64_t count = useTopK ? params.topK : vocab;
    std::partial_sort(order.begin(), order.begin() + count, order.end(),
                      moreProbable);
    if (useTopP) {
      double keptMass = 0.0;
      for (int64_t r = 0; r < count; ++r)
        keptMass += probs[size_t(order[size_t(r)])];
      double target = double(params.topP) * keptMass;
      double cumulative = 0.0;
      int64_t prefix = 0;
      while (prefix < count) {
        cumulative += probs[size_t(order[size_t(prefix)])];
        ++prefix;
        if (cumulative >= target)
          break;
      }
      count = prefix;
    }
    std::fill(kept.begin(), kept.end(), 0);
    for (int64_t r = 0; r < count; ++r)
      kept[size_t(order[size_t(r)])] = 1;
  }

  double keptTotal = 0.0;
  for (int64_t i = 0; i < vocab; ++i)
    if (kept[size_t(i)])
      keptTotal += probs[size_t(i)];
  const double threshold =
      double(uniformFromCounter(params.seed, step)) * keptTotal;
  double cumulative = 0.0;
  int32_t last = -1;
  for (int64_t i = 0; i < vocab; ++i) {
    if (!kept[size_t(i)])
      continue;
    cumulative += probs[size_t(i)];
    last = int32_t(i);
    if (cumulative > threshold)
      return last;
  }
  // Rounding can leave the threshold a hair above the final cumulative sum.
  return last;
}

} // namespace llmc::ref
