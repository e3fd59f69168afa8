// The CPU engine serves requests through the scheduler exactly as the
// single-request generator runs them alone: greedy and seeded sampling give
// the same tokens alone, batched, chunked and with a small KV pool that
// forces preemption.
#include "runtime/cpu/CpuExecutor.h"
#include "runtime/cpu/CpuGenerator.h"
#include "runtime/formats/ModelLoader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <sys/stat.h>

using namespace llmc;

namespace {

std::string storiesPath() {
  std::string cache;
  if (const char *dir = std::getenv("LLMC_MODEL_CACHE"); dir && *dir)
    cache = dir;
  else if (const char *home = std::getenv("HOME"); home && *home)
    cache = std::string(home) + "/.cache/llmc";
  return cache + "/stories15M/stories15M.bin";
}

class CpuEngineTest : public ::testing::Test {
protected:
  void SetUp() override {
    struct stat info;
    if (::stat(storiesPath().c_str(), &info) != 0)
      GTEST_SKIP() << "stories15M is not cached (scripts/fetch-model.sh)";
    StatusOr<LoadedModel> loaded = loadModel(storiesPath(), {});
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    loaded_ = std::make_unique<LoadedModel>(std::move(loaded).value());
  }

  CpuModel model() {
    StatusOr<CpuModel> m = CpuModel::create(loaded_->config, loaded_->weights);
    EXPECT_TRUE(m.isOk()) << m.status().message();
    return std::move(m).value();
  }

  std::unique_ptr<Engine> engine(const CpuExecutorParams &params = {},
                                 const SchedulingOptions &scheduling = {}) {
    StatusOr<std::unique_ptr<Engine>> e =
        createCpuEngine(model(), params, scheduling);
    EXPECT_TRUE(e.isOk()) << e.status().message();
    return std::move(e).value();
  }

  /// What CpuGenerator makes of `request` alone.
  std::vector<int32_t> alone(const serving::Request &request) {
    CpuModel m = model();
    GenerationRequest g;
    g.prompt = request.prompt;
    g.maxTokens = request.stop.maxNewTokens;
    g.sampling = request.sampling;
    g.stopTokenIds = request.stop.eosIds;
    StatusOr<GenerationResult> result = generate(m, g);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    return result->tokens;
  }

  std::unique_ptr<LoadedModel> loaded_;
};

serving::Request request(std::vector<int32_t> prompt, int32_t maxTokens,
                         float temperature = 0, uint64_t seed = 0) {
  serving::Request r;
  r.prompt = std::move(prompt);
  r.stop.maxNewTokens = maxTokens;
  r.stop.eosIds = {2};
  r.sampling.temperature = temperature;
  r.sampling.seed = seed;
  return r;
}

/// Prompts of different lengths, so chunks and decodes interleave.
std::vector<serving::Request> workload() {
  std::vector<serving::Request> requests;
  for (int i = 0; i < 6; ++i) {
    std::vector<int32_t> prompt = {1};
    for (int j = 0; j < 3 + 9 * i; ++j)
      prompt.push_back(300 + 37 * i + 11 * j);
    requests.push_back(request(prompt, 12 + i, i % 2 ? 0.8f : 0.0f, 7 + i));
  }
  return requests;
}

void expectSameAsAlone(Engine &engine,
                       const std::vector<serving::Request> &requests,
                       const std::vector<std::vector<int32_t>> &expected) {
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const serving::Request &r : requests) {
    StatusOr<std::shared_ptr<TokenStream>> s = engine.submit(r);
    ASSERT_TRUE(s.isOk()) << s.status().message();
    streams.push_back(*s);
  }
  for (size_t i = 0; i < streams.size(); ++i) {
    EXPECT_EQ(streams[i]->drain(), expected[i]) << "request " << i;
    EXPECT_EQ(streams[i]->end(), StreamEnd::Finished);
  }
}

} // namespace

TEST_F(CpuEngineTest, BatchedRequestsMatchTheGeneratorAlone) {
  const std::vector<serving::Request> requests = workload();
  std::vector<std::vector<int32_t>> expected;
  for (const serving::Request &r : requests)
    expected.push_back(alone(r));
  // Small steps: prompts are prefilled in several chunks beside decodes.
  CpuExecutorParams params;
  params.maxSlots = 4;
  params.maxStepTokens = 12;
  std::unique_ptr<Engine> e = engine(params);
  expectSameAsAlone(*e, requests, expected);
}

TEST_F(CpuEngineTest, PreemptedRequestsContinueWithTheSameTokens) {
  const std::vector<serving::Request> requests = workload();
  std::vector<std::vector<int32_t>> expected;
  for (const serving::Request &r : requests)
    expected.push_back(alone(r));
  // One context's blocks for four slots: requests lose their slot and are
  // recomputed from the pool-less start.
  CpuExecutorParams params;
  params.maxSlots = 4;
  params.blockSize = 16;
  params.numBlocks = 16;
  std::unique_ptr<Engine> e = engine(params);
  expectSameAsAlone(*e, requests, expected);
}

TEST_F(CpuEngineTest, LogprobsDescribeTheModelsDistribution) {
  serving::Request r = request({1, 365, 471, 263}, 5);
  r.topLogprobs = 3;
  std::unique_ptr<Engine> e = engine();
  StatusOr<std::shared_ptr<TokenStream>> s = e->submit(r);
  ASSERT_TRUE(s.isOk());
  int tokens = 0;
  while (true) {
    StreamToken t;
    bool ended = false;
    if (!(*s)->tryNext(t, ended)) {
      if (ended)
        break;
      std::this_thread::yield();
      continue;
    }
    ++tokens;
    ASSERT_EQ(t.topLogprobs.size(), 3u);
    // Greedy: the chosen token is the most likely one.
    EXPECT_EQ(t.topLogprobs[0].token, t.token);
    EXPECT_FLOAT_EQ(t.topLogprobs[0].logprob, t.logprob);
    EXPECT_LE(t.logprob, 0.0f);
    EXPECT_GE(t.topLogprobs[0].logprob, t.topLogprobs[1].logprob);
  }
  EXPECT_EQ(tokens, 5);
}

TEST_F(CpuEngineTest, CancelFreesTheSlotAndBlocks) {
  std::unique_ptr<Engine> e = engine();
  auto s = e->submit(request({1, 365, 471}, 200));
  ASSERT_TRUE(s.isOk());
  int32_t token;
  ASSERT_TRUE((*s)->next(token));
  e->cancel(*s);
  (*s)->drain();
  EXPECT_EQ((*s)->end(), StreamEnd::Cancelled);
  for (int i = 0; i < 100 && e->load().running > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(e->load().running, 0);
  EXPECT_EQ(e->load().blocksUsed, 0);
}

TEST_F(CpuEngineTest, BusyAndWallCountersIncreaseAndStayConsistent) {
  std::unique_ptr<Engine> e = engine();
  const EngineStats before = e->stats();
  // Idle: the wall counter runs, the busy counter does not.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const EngineStats idle = e->stats();
  EXPECT_GE(idle.wallSecondsTotal - before.wallSecondsTotal, 0.02);
  EXPECT_EQ(idle.deviceBusySecondsTotal, before.deviceBusySecondsTotal);

  auto s = e->submit(request({1, 365, 471, 263}, 8));
  ASSERT_TRUE(s.isOk());
  (*s)->drain();
  const EngineStats served = e->stats();
  EXPECT_GT(served.deviceBusySecondsTotal, idle.deviceBusySecondsTotal);
  EXPECT_GT(served.wallSecondsTotal, idle.wallSecondsTotal);
  // Over any window the device cannot be busier than the wall clock ran.
  EXPECT_LE(served.deviceBusySecondsTotal - idle.deviceBusySecondsTotal,
            served.wallSecondsTotal - idle.wallSecondsTotal);
  EXPECT_LE(served.deviceBusySecondsTotal, served.wallSecondsTotal);
  // The CPU device's busy time is its steps' compute time: the same sum
  // the resettable gpuBusyMs holds.
  EXPECT_NEAR(served.deviceBusySecondsTotal, served.gpuBusyMs / 1e3, 1e-9);

  // resetStats() restarts the measurements, not the counters.
  e->resetStats();
  const EngineStats reset = e->stats();
  EXPECT_EQ(reset.steps, 0);
  EXPECT_EQ(reset.deviceBusySecondsTotal, served.deviceBusySecondsTotal);
  EXPECT_GE(reset.wallSecondsTotal, served.wallSecondsTotal);
}
