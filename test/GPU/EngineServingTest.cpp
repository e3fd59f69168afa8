// The runtime's Engine on a real GPU with a compiled stories15M engine:
// greedy output against the CPU reference, batch invariance, preemption with
// a KV pool that is too small, the steady-decode GPU busy share, the
// per-request errors and cancels that must leave other requests running, the
// per-launch profile (decode without graphs, the same tokens), and the
// log-probabilities of generated tokens (beside unchanged tokens).
//
// The engine and the expected story come from the environment (the lit test
// test/GPU/engine-serving.test compiles the engine and runs the CPU model
// first):
//   LLMC_TEST_ENGINE    a stories15M engine directory (llm-compile)
//   LLMC_TEST_EXPECTED  the CPU reference's greedy ids after "Once upon a
//                       time", one per line (llmc-dump-logits --tokens)
// Without a GPU, or without those variables, every test skips.
#include "runtime/api/GpuExecutor.h"
#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/KernelProfile.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "test/GPU/KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <thread>

namespace llmc {
namespace {

std::string environment(const char *name) {
  const char *value = std::getenv(name);
  return value ? value : "";
}

#define LLMC_REQUIRE_ENGINE()                                                  \
  do {                                                                         \
    LLMC_REQUIRE_GPU();                                                        \
    if (environment("LLMC_TEST_ENGINE").empty() ||                             \
        environment("LLMC_TEST_EXPECTED").empty())                             \
      GTEST_SKIP() << "LLMC_TEST_ENGINE / LLMC_TEST_EXPECTED not set";         \
  } while (0)

std::unique_ptr<Engine> makeEngine(const EngineOptions &options = {}) {
  StatusOr<std::unique_ptr<Engine>> engine =
      createGpuEngine(environment("LLMC_TEST_ENGINE"), options);
  EXPECT_TRUE(engine.isOk()) << engine.status().message();
  return engine.isOk() ? std::move(engine).value() : nullptr;
}

serving::Request greedy(std::vector<int32_t> prompt, int32_t maxNewTokens) {
  serving::Request request;
  request.prompt = std::move(prompt);
  request.stop.maxNewTokens = maxNewTokens;
  request.stop.eosIds = {2};
  return request;
}

/// Prompts of different lengths and contents: slices of a story's ids.
std::vector<serving::Request>
mixedRequests(int count, uint64_t seed, int32_t maxPrompt, int32_t maxOutput) {
  std::mt19937_64 random(seed);
  std::vector<serving::Request> requests;
  for (int i = 0; i < count; ++i) {
    const int32_t length = 1 + int32_t(random() % uint64_t(maxPrompt));
    std::vector<int32_t> prompt{1};
    for (int32_t t = 1; t < length; ++t)
      prompt.push_back(int32_t(100 + random() % 20000));
    serving::Request request =
        greedy(prompt, 1 + int32_t(random() % uint64_t(maxOutput)));
    if (i % 3 == 1) { // some seeded sampling too
      request.sampling.temperature = 0.8f;
      request.sampling.topK = 40;
      request.sampling.topP = 0.95f;
      request.sampling.seed = uint64_t(i);
    }
    requests.push_back(request);
  }
  return requests;
}

std::vector<std::vector<int32_t>>
runTogether(Engine &engine, const std::vector<serving::Request> &requests) {
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const serving::Request &request : requests) {
    auto stream = engine.submit(request);
    EXPECT_TRUE(stream.isOk()) << stream.status().message();
    streams.push_back(stream.isOk() ? *stream : nullptr);
  }
  std::vector<std::vector<int32_t>> outputs;
  for (auto &stream : streams) {
    outputs.push_back(stream ? stream->drain() : std::vector<int32_t>{});
    if (stream) {
      EXPECT_EQ(stream->end(), StreamEnd::Finished) << stream->error();
    }
  }
  return outputs;
}

TEST(EngineServing, GreedyStoryMatchesTheCpuReference) {
  LLMC_REQUIRE_ENGINE();
  std::vector<int32_t> expected;
  std::ifstream in(environment("LLMC_TEST_EXPECTED"));
  for (int32_t id; in >> id;)
    expected.push_back(id);
  ASSERT_GE(expected.size(), 48u);
  expected.resize(48);

  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  const std::string tokenizerPath =
      environment("LLMC_TEST_ENGINE") + "/" +
      gpuExecutor(*engine).manifest().tokenizer.file;
  StatusOr<std::unique_ptr<Tokenizer>> tokenizer = loadTokenizer(tokenizerPath);
  ASSERT_TRUE(tokenizer.isOk()) << tokenizer.status().message();
  const std::vector<int32_t> prompt =
      (*tokenizer)->encode("Once upon a time", /*addBos=*/true);
  serving::Request request = greedy(prompt, 48);
  request.stop.eosIds.clear();
  auto stream = engine->submit(request);
  ASSERT_TRUE(stream.isOk()) << stream.status().message();
  const std::vector<int32_t> actual = (*stream)->drain();
  ASSERT_EQ(actual.size(), expected.size());
  int firstMismatch = -1;
  for (size_t i = 0; i < actual.size() && firstMismatch < 0; ++i)
    if (actual[i] != expected[i])
      firstMismatch = int(i);
  EXPECT_EQ(firstMismatch, -1)
      << "GPU and CPU greedy tokens differ at " << firstMismatch;
  const std::string text = (*tokenizer)->decode(actual, prompt.back());
  std::printf("greedy continuation (48 tokens, identical to the CPU): %s\n",
              text.c_str());
}

TEST(EngineServing, BatchedOutputsEqualEachRequestRunAlone) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  const std::vector<serving::Request> requests =
      mixedRequests(256, 7, 120, 100);
  const auto together = runTogether(*engine, requests);
  int mismatched = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto alone = runTogether(*engine, {requests[i]});
    if (alone[0] != together[i])
      ++mismatched;
  }
  std::printf("batch invariance: %d of %zu requests differ\n", mismatched,
              requests.size());
  EXPECT_EQ(mismatched, 0);
}

/// Every token of `stream` with its log-probabilities, until it ends.
std::vector<StreamToken> scoredTokens(TokenStream &stream) {
  std::vector<StreamToken> tokens;
  for (;;) {
    StreamToken token;
    bool ended = false;
    if (stream.tryNext(token, ended))
      tokens.push_back(std::move(token));
    else if (ended)
      return tokens;
    else
      std::this_thread::yield();
  }
}

TEST(EngineServing, LogprobsComeWithEveryTokenAndLeaveTheTokensAlone) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  ASSERT_TRUE(engine->executor().reportsLogprobs());
  // Greedy with 5 alternatives, seeded with 20, and one that asks for none,
  // in one batch; each must give the tokens it gives alone without logprobs.
  std::vector<serving::Request> requests = mixedRequests(3, 11, 60, 40);
  requests[0].topLogprobs = 5;
  requests[1].topLogprobs = serving::kMaxTopLogprobs; // seeded (i % 3 == 1)
  std::vector<std::vector<int32_t>> plain;
  for (serving::Request request : requests) {
    request.topLogprobs = -1;
    plain.push_back(runTogether(*engine, {request})[0]);
  }
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const serving::Request &request : requests) {
    auto stream = engine->submit(request);
    ASSERT_TRUE(stream.isOk()) << stream.status().message();
    streams.push_back(*stream);
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::vector<StreamToken> tokens = scoredTokens(*streams[i]);
    std::vector<int32_t> ids;
    for (const StreamToken &t : tokens) {
      ids.push_back(t.token);
      if (requests[i].topLogprobs < 0) {
        EXPECT_TRUE(t.topLogprobs.empty());
        continue;
      }
      ASSERT_EQ(int(t.topLogprobs.size()), requests[i].topLogprobs);
      EXPECT_LE(t.logprob, 0.0f);
      double mass = 0;
      for (size_t j = 0; j < t.topLogprobs.size(); ++j) {
        mass += std::exp(double(t.topLogprobs[j].logprob));
        if (j > 0) {
          EXPECT_GE(t.topLogprobs[j - 1].logprob, t.topLogprobs[j].logprob);
        }
        // The sampled token among the alternatives has its own value.
        if (t.topLogprobs[j].token == t.token) {
          EXPECT_EQ(t.topLogprobs[j].logprob, t.logprob);
        }
      }
      EXPECT_LE(mass, 1.0 + 1e-5);
      if (requests[i].sampling.temperature == 0.0f) { // greedy: the top one
        EXPECT_EQ(t.topLogprobs[0].token, t.token);
      }
    }
    EXPECT_EQ(ids, plain[i]) << "request " << i;
  }
  std::printf("log-probabilities: %zu requests, tokens unchanged\n",
              requests.size());
}

TEST(EngineServing, ATooSmallKvPoolCompletesEveryRequestByPreemption) {
  LLMC_REQUIRE_ENGINE();
  // Fixed lengths (no EOS), so every request must stream exactly its
  // max_new_tokens however often it is preempted.
  std::vector<serving::Request> requests = mixedRequests(48, 11, 100, 120);
  for (serving::Request &request : requests)
    request.stop.eosIds.clear();
  std::unique_ptr<Engine> roomy = makeEngine();
  ASSERT_TRUE(roomy);
  const auto expected = runTogether(*roomy, requests);
  roomy.reset();

  EngineOptions tight;
  // One full context and a half: far less than the slots want at once.
  const int64_t perContext =
      (256 + 15) / 16; // stories15M: 256 positions, 16-position blocks
  tight.device.maxKvBlocks = perContext * 3 / 2;
  std::unique_ptr<Engine> engine = makeEngine(tight);
  ASSERT_TRUE(engine);
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const serving::Request &request : requests)
    streams.push_back(*engine->submit(request));
  int preempted = 0, differ = 0, differNotPreempted = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::vector<int32_t> actual = streams[i]->drain();
    EXPECT_EQ(streams[i]->end(), StreamEnd::Finished) << streams[i]->error();
    // Nothing lost or duplicated: exactly the requested count.
    EXPECT_EQ(int32_t(actual.size()), requests[i].stop.maxNewTokens) << i;
    const bool wasPreempted = streams[i]->preemptions() > 0;
    preempted += wasPreempted;
    if (actual == expected[i])
      continue;
    ++differ;
    differNotPreempted += !wasPreempted;
    size_t common = 0;
    while (common < actual.size() && common < expected[i].size() &&
           actual[common] == expected[i][common])
      ++common;
    std::printf("  request %zu (%d preemptions): first %zu of %zu tokens equal "
                "the roomy run\n",
                i, streams[i]->preemptions(), common, actual.size());
  }
  std::printf("small pool (%lld blocks): %lld preemptions over %d requests; "
              "%d of %zu outputs differ from the roomy run, %d of them never "
              "preempted\n",
              (long long)gpuExecutor(*engine).device().numKvBlocks(),
              (long long)engine->stats().preemptions, preempted, differ,
              requests.size(), differNotPreempted);
  EXPECT_GT(preempted, 0);
  // A request that kept its slot computes exactly what it would alone.
  EXPECT_EQ(differNotPreempted, 0);
}

TEST(EngineServing, SteadyDecodeKeepsTheGpuBusy) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  const int64_t slots = gpuExecutor(*engine).manifest().options.maxSlots;
  std::vector<serving::Request> requests;
  for (int64_t i = 0; i < slots; ++i) {
    serving::Request request = greedy({1, int32_t(300 + i)}, 200);
    request.stop.eosIds.clear();
    requests.push_back(request);
  }
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (const auto &request : requests)
    streams.push_back(*engine->submit(request));
  // Measure once every slot decodes.
  int32_t token;
  for (auto &stream : streams)
    for (int i = 0; i < 8; ++i)
      ASSERT_TRUE(stream->next(token));
  engine->resetStats();
  for (auto &stream : streams)
    stream->drain();
  const EngineStats stats = engine->stats();
  std::printf("steady decode, %lld slots: %lld steps, GPU busy %.1f%%, mean "
              "gap between steps %.1f us, %llu host-to-device copies in "
              "decode steps, %llu word memsets before them\n",
              (long long)slots, (long long)stats.steps,
              100 * stats.gpuBusyFraction(), 1e3 * stats.meanGapMs(),
              (unsigned long long)stats.copiesInDecodeOnlySteps,
              (unsigned long long)stats.wordWritesBeforeDecodeOnlySteps);
  EXPECT_EQ(stats.copiesInDecodeOnlySteps, 0u);
  EXPECT_GE(stats.gpuBusyFraction(), 0.95);
}

TEST(EngineServing, QueuedRequestsStartWhenAFullBatchFinishesTogether) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  const int64_t slots = gpuExecutor(*engine).manifest().options.maxSlots;
  // Every slot finishes at the same step; the extra request waits for one.
  std::vector<serving::Request> requests;
  for (int64_t i = 0; i <= slots; ++i) {
    serving::Request request = greedy({1, int32_t(1000 + i)}, 12);
    request.stop.eosIds.clear();
    requests.push_back(request);
  }
  for (const auto &output : runTogether(*engine, requests))
    EXPECT_EQ(output.size(), 12u);
}

TEST(EngineServing, ATooLongPromptFailsAloneAndOthersContinue) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  auto running = engine->submit(greedy({1, 400, 500}, 20));
  ASSERT_TRUE(running.isOk());
  std::vector<int32_t> tooLong(300, 100);
  auto refused = engine->submit(greedy(tooLong, 4));
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("context"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE((*running)->drain().empty());
  EXPECT_EQ((*running)->end(), StreamEnd::Finished);
}

TEST(EngineServing, CancelInEveryStateFreesTheSlot) {
  LLMC_REQUIRE_ENGINE();
  std::unique_ptr<Engine> engine = makeEngine();
  ASSERT_TRUE(engine);
  const int64_t slots = gpuExecutor(*engine).manifest().options.maxSlots;
  // Queued (more requests than slots), decoding, and finished streams.
  std::vector<std::shared_ptr<TokenStream>> streams;
  for (int64_t i = 0; i < 2 * slots; ++i) {
    serving::Request request = greedy({1, int32_t(700 + i)}, 150);
    request.stop.eosIds.clear();
    streams.push_back(*engine->submit(request));
  }
  int32_t token;
  ASSERT_TRUE(streams[0]->next(token)); // decoding now
  for (auto &stream : streams)
    engine->cancel(stream);
  for (auto &stream : streams) {
    stream->drain();
    EXPECT_NE(stream->end(), StreamEnd::Failed) << stream->error();
  }
  // Every slot and block is free again: a full batch runs to completion.
  std::vector<serving::Request> again;
  for (int64_t i = 0; i < slots; ++i)
    again.push_back(greedy({1, int32_t(900 + i)}, 30));
  const auto outputs = runTogether(*engine, again);
  for (const auto &output : outputs)
    EXPECT_FALSE(output.empty());
}

TEST(EngineServing, ProfiledStepsTimeEveryLaunchAndKeepTheTokens) {
  LLMC_REQUIRE_ENGINE();
  // Three short prompts decoding together for a fixed number of tokens.
  std::vector<serving::Request> requests;
  for (int32_t i = 0; i < 3; ++i) {
    serving::Request request = greedy({1, 400 + 37 * i, 500 + i}, 12);
    request.stop.eosIds.clear();
    requests.push_back(request);
  }
  std::unique_ptr<Engine> graphed = makeEngine();
  ASSERT_TRUE(graphed);
  const auto expected = runTogether(*graphed, requests);
  EXPECT_TRUE(graphed->launchProfile().empty());
  graphed.reset();

  EngineOptions options;
  options.device.profileLaunches = true;
  std::unique_ptr<Engine> engine = makeEngine(options);
  ASSERT_TRUE(engine);
  EXPECT_EQ(runTogether(*engine, requests), expected);

  // Records come step by step, each phase run as the manifest's launches in
  // order: count the runs of each phase.
  const std::vector<LaunchRecord> records = engine->launchProfile();
  const Manifest &manifest = gpuExecutor(*engine).manifest();
  std::map<std::string, int> runs;
  size_t at = 0;
  while (at < records.size()) {
    const Phase *phase = manifest.findPhase(records[at].phase);
    ASSERT_NE(phase, nullptr) << records[at].phase;
    ASSERT_LE(at + phase->launches.size(), records.size())
        << "a " << phase->name << " run is cut short";
    for (size_t i = 0; i < phase->launches.size(); ++i) {
      const LaunchRecord &record = records[at + i];
      ASSERT_EQ(record.phase, phase->name) << "record " << at + i;
      ASSERT_EQ(record.launchIndex, int64_t(i)) << "record " << at + i;
      // A launch with variants reports the kernel that ran.
      const KernelLaunch &launch = phase->launches[i];
      EXPECT_EQ(record.kernel,
                *selectVariant(launch, gpuExecutor(*engine).device().codeArch(),
                               record.rows)
                     .kernel);
      EXPECT_GT(record.milliseconds, 0) << record.kernel;
      EXPECT_GE(record.rows, 1);
      if (phase->name == "decode") {
        // At most slots 0..2 decode: a bucket of 1, 2 or 4 rows, each row
        // attending to at least the prompt's 3 positions.
        EXPECT_TRUE(record.rows == 1 || record.rows == 2 || record.rows == 4)
            << record.rows;
        EXPECT_GE(record.context * double(record.rows), 3);
      }
    }
    ++runs[phase->name];
    at += phase->launches.size();
  }
  // 12 tokens each: the first from the prefill, at least 11 decode steps.
  EXPECT_GE(runs["decode"], 11);
  EXPECT_GE(runs["prefill"], 1);
  // Every decode step and every prefill (each ends a prompt) samples.
  EXPECT_EQ(runs["sample"], runs["decode"] + runs["prefill"]);

  StatusOr<EngineCosts> costs = engineCostsFromManifest(manifest, "engine");
  ASSERT_TRUE(costs.isOk()) << costs.status().message();
  StatusOr<KernelProfile> profile =
      profileKernels(records, *costs, std::nullopt);
  ASSERT_TRUE(profile.isOk()) << profile.status().message();
  double decodeMs = 0;
  for (const PhaseProfile &phase : profile->phases)
    if (phase.phase == "decode")
      decodeMs = phase.seconds * 1e3;
  std::printf("launch profile: %d prefill, %d decode and %d sample runs, "
              "%zu records, decode kernels %.3f ms per step\n",
              runs["prefill"], runs["decode"], runs["sample"], records.size(),
              decodeMs / runs["decode"]);
}

} // namespace
} // namespace llmc
