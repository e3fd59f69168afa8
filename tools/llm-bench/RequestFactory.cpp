// Seeded prompts, output lengths and fixed-length requests.
#include "tools/llm-bench/RequestFactory.h"

#include <algorithm>
#include <cmath>

namespace llmc::bench {

RequestFactory::RequestFactory(uint64_t seed, int32_t vocabSize)
    : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull),
      vocabSize_(std::max<int32_t>(vocabSize, 1)) {}

uint64_t RequestFactory::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double RequestFactory::uniform() { return double(next() >> 11) * 0x1.0p-53; }

std::vector<int32_t> RequestFactory::randomPrompt(int32_t tokens) {
  std::vector<int32_t> ids(size_t(std::max(tokens, 0)));
  for (int32_t &id : ids)
    id = int32_t(next() % uint64_t(vocabSize_));
  return ids;
}

int32_t RequestFactory::exponentialLength(double mean, int32_t cap) {
  const double draw = -mean * std::log1p(-uniform());
  return int32_t(std::clamp(std::ceil(draw), 1.0, double(std::max(cap, 1))));
}

serving::Request RequestFactory::request(int32_t promptTokens,
                                         int32_t outputTokens) {
  serving::Request r;
  r.prompt = randomPrompt(promptTokens);
  r.stop.maxNewTokens = outputTokens;
  // Fixed output lengths: nothing may end a request early.
  r.stop.eosIds.clear();
  r.stop.stopIds.clear();
  r.stop.ignoreEos = true;
  return r;
}

} // namespace llmc::bench
