// RequestFactory: the requests a benchmark sends, made deterministically from
// one seed so that runs compare: prompts of random token ids, output lengths
// drawn from an exponential distribution (the continuous-vs-static workload),
// and requests that generate exactly the asked number of tokens (greedy, no
// stop ids, end-of-sequence ignored).
//
// The generator is SplitMix64, so a seed gives the same requests with every
// standard library.
#pragma once

#include "runtime/serving/Request.h"

#include <cstdint>
#include <vector>

namespace llmc::bench {

class RequestFactory {
public:
  RequestFactory(uint64_t seed, int32_t vocabSize);

  /// `tokens` ids uniform in [0, vocabSize).
  std::vector<int32_t> randomPrompt(int32_t tokens);
  /// A length drawn from an exponential distribution of mean `mean`, rounded
  /// up, and clamped to [1, cap].
  int32_t exponentialLength(double mean, int32_t cap);
  /// A request with a random prompt of `promptTokens` that generates exactly
  /// `outputTokens` tokens.
  serving::Request request(int32_t promptTokens, int32_t outputTokens);

private:
  uint64_t next();
  double uniform(); ///< [0, 1)

  uint64_t state_;
  int32_t vocabSize_;
};

} // namespace llmc::bench
