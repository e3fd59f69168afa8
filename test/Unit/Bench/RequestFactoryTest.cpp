// Tests of llm-bench's request factory: reproducible prompts, exponential
// output lengths, and requests whose output length nothing can cut short.
#include "tools/llm-bench/RequestFactory.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace llmc;
using namespace llmc::bench;

TEST(RequestFactory, SameSeedGivesTheSamePrompts) {
  RequestFactory a(7, 32000), b(7, 32000), c(8, 32000);
  const std::vector<int32_t> first = a.randomPrompt(64);
  EXPECT_EQ(first, b.randomPrompt(64));
  EXPECT_NE(first, c.randomPrompt(64));
  EXPECT_NE(first, a.randomPrompt(64)); // the stream moves on
}

TEST(RequestFactory, PromptIdsStayInsideTheVocabulary) {
  RequestFactory factory(1, 10);
  const std::vector<int32_t> ids = factory.randomPrompt(1000);
  ASSERT_EQ(ids.size(), 1000u);
  EXPECT_EQ(*std::min_element(ids.begin(), ids.end()), 0);
  EXPECT_EQ(*std::max_element(ids.begin(), ids.end()), 9);
}

TEST(RequestFactory, ExponentialLengthsHaveTheMeanAndRespectTheCap) {
  RequestFactory factory(3, 100);
  const int draws = 20000;
  double sum = 0;
  int atCap = 0;
  for (int i = 0; i < draws; ++i) {
    const int32_t length = factory.exponentialLength(128, 512);
    ASSERT_GE(length, 1);
    ASSERT_LE(length, 512);
    sum += length;
    atCap += length == 512;
  }
  // Rounding up adds about 0.5 and the cap removes
  // 128 * exp(-4) ~ 2.3 from the mean of 128: 126.2 expected. The sample
  // mean's standard error is 128 / sqrt(20000) ~ 0.9, so 3% (3.8) is over
  // four standard errors (and the seed is fixed).
  EXPECT_NEAR(sum / draws, 126.2, 0.03 * 128);
  // P(length >= 512) = exp(-4) ~ 1.8%.
  EXPECT_NEAR(double(atCap) / draws, 0.0183, 0.005);
}

TEST(RequestFactory, RequestsGenerateExactlyTheirOutputLength) {
  RequestFactory factory(1, 32000);
  serving::Request r = factory.request(512, 77);
  EXPECT_EQ(r.prompt.size(), 512u);
  EXPECT_EQ(r.stop.maxNewTokens, 77);
  EXPECT_TRUE(r.stop.eosIds.empty());
  EXPECT_TRUE(r.stop.stopIds.empty());
  EXPECT_TRUE(r.stop.ignoreEos);
  EXPECT_EQ(r.sampling.temperature, 0.0f); // greedy
}
