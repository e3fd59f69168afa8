// Log-probabilities of the CPU reference: what a request's `logprobs` and
// `top_logprobs` report, on the CPU device and as the GPU kernel's oracle
// (compiler/kernels/Logprobs.cuh).
#include "runtime/reference/ReferenceOps.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace llmc::ref {

TokenLogprobs tokenLogprobs(const float *logits, int64_t vocab, int32_t token,
                            int32_t top) {
  const double peak = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - peak);
  const double logZ = peak + std::log(sum);
  TokenLogprobs result;
  result.logprob = float(double(logits[token]) - logZ);
  if (top <= 0)
    return result;
  std::vector<int32_t> ids(size_t(vocab), 0);
  std::iota(ids.begin(), ids.end(), 0);
  const size_t k = std::min(size_t(top), ids.size());
  std::partial_sort(ids.begin(), ids.begin() + ptrdiff_t(k), ids.end(),
                    [&](int32_t a, int32_t b) {
                      return logits[a] > logits[b] ||
                             (logits[a] == logits[b] && a < b);
                    });
  for (size_t i = 0; i < k; ++i)
    result.top.emplace_back(ids[i], float(double(logits[ids[i]]) - logZ));
  return result;
}

} // namespace llmc::ref
