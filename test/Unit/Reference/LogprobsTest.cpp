// ref::tokenLogprobs, what a request's `logprobs` reports on the CPU device
// and the oracle of the GPU's Logprobs kernel: log-softmax of the raw logits,
// the top n by logit with ties broken by the lower id, n capped by the
// vocabulary.
#include "runtime/reference/ReferenceOps.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace llmc;

namespace {

TEST(TokenLogprobs, IsTheLogSoftmaxOfTheRawLogits) {
  const std::vector<float> logits = {1.0f, 2.0f, 3.0f, 0.5f};
  double z = 0;
  for (float l : logits)
    z += std::exp(double(l));
  const ref::TokenLogprobs scored = ref::tokenLogprobs(logits.data(), 4, 1, 0);
  // 1e-6: a double result rounded to float.
  EXPECT_NEAR(scored.logprob, 2.0 - std::log(z), 1e-6);
  EXPECT_TRUE(scored.top.empty());
}

TEST(TokenLogprobs, OrdersTheTopByLogitThenByLowerIdOnTies) {
  const std::vector<float> logits = {0.0f, 5.0f, -0.0f, 5.0f, 7.0f, 0.0f};
  const ref::TokenLogprobs scored = ref::tokenLogprobs(logits.data(), 6, 0, 4);
  ASSERT_EQ(scored.top.size(), 4u);
  EXPECT_EQ(scored.top[0].first, 4);
  EXPECT_EQ(scored.top[1].first, 1);
  EXPECT_EQ(scored.top[2].first, 3);
  // -0 and +0 are equal logits: the lower id wins.
  EXPECT_EQ(scored.top[3].first, 0);
  EXPECT_FLOAT_EQ(scored.top[1].second, scored.top[2].second);
  EXPECT_FLOAT_EQ(scored.top[3].second, scored.logprob);
}

TEST(TokenLogprobs, TopIsCappedByTheVocabularyAndSumsToOne) {
  const std::vector<float> logits = {0.3f, -1.0f, 2.5f};
  const ref::TokenLogprobs scored = ref::tokenLogprobs(logits.data(), 3, 2, 20);
  ASSERT_EQ(scored.top.size(), 3u);
  double mass = 0;
  for (const auto &[id, logprob] : scored.top)
    mass += std::exp(double(logprob));
  EXPECT_NEAR(mass, 1.0, 1e-6);
  EXPECT_EQ(scored.top[0].first, 2);
  EXPECT_FLOAT_EQ(scored.top[0].second, scored.logprob);
}

TEST(TokenLogprobs, BannedTokensHaveMinusInfinity) {
  const std::vector<float> logits = {-INFINITY, 1.0f, -INFINITY};
  const ref::TokenLogprobs scored = ref::tokenLogprobs(logits.data(), 3, 0, 2);
  EXPECT_EQ(scored.logprob, -INFINITY);
  ASSERT_EQ(scored.top.size(), 2u);
  EXPECT_EQ(scored.top[0].first, 1);
  EXPECT_FLOAT_EQ(scored.top[0].second, 0.0f);
  EXPECT_EQ(scored.top[1].first, 0); // the lower of the tied -inf ids
}

} // namespace
