// The closed-loop request runner over the Engine API.
#include "tools/llm-bench/EngineRunner.h"

#include <algorithm>
#include <thread>

namespace llmc::bench {

namespace {

/// How long the runner sleeps when no stream has ended: short against a
/// decode step, long enough not to steal the engine loop's core.
constexpr auto kPollInterval = std::chrono::microseconds(50);

struct InFlight {
  std::shared_ptr<TokenStream> stream;
  size_t index = 0;
};

EngineCounters countersOf(const EngineStats &s) {
  EngineCounters c;
  c.gpuBusyFraction = s.gpuBusyFraction();
  c.meanGapMs = s.meanGapMs();
  c.steps = s.steps;
  c.decodeSteps = s.decodeSteps;
  c.preemptions = s.preemptions;
  c.hostToDeviceCopies = s.hostToDeviceCopies;
  return c;
}

} // namespace

StatusOr<RunRecord> runRequests(Engine &engine,
                                std::vector<serving::Request> requests,
                                int64_t concurrency, Progress &progress) {
  RunRecord record;
  record.requests.resize(requests.size());
  const size_t limit = size_t(std::max<int64_t>(concurrency, 1));
  std::vector<InFlight> inFlight;
  size_t next = 0, done = 0;
  engine.resetStats();
  const Clock::time_point start = Clock::now();

  while (done < requests.size()) {
    while (inFlight.size() < limit && next < requests.size()) {
      CompletedRequest &r = record.requests[next];
      r.promptTokens = int64_t(requests[next].prompt.size());
      r.sentSeconds =
          std::chrono::duration<double>(Clock::now() - start).count();
      StatusOr<std::shared_ptr<TokenStream>> stream =
          engine.submit(std::move(requests[next]));
      if (!stream.isOk())
        return stream.status().withContext("request " + std::to_string(next));
      inFlight.push_back({*stream, next++});
    }
    bool ended = false;
    for (size_t i = 0; i < inFlight.size();) {
      const TokenStream &stream = *inFlight[i].stream;
      if (stream.end() == StreamEnd::Running) {
        ++i;
        continue;
      }
      if (stream.end() != StreamEnd::Finished)
        return Status::error(
            "request " + std::to_string(inFlight[i].index) + " " +
            (stream.end() == StreamEnd::Failed ? "failed: " + stream.error()
                                               : std::string("was cancelled")));
      record.requests[inFlight[i].index].metrics = stream.metrics();
      inFlight.erase(inFlight.begin() + std::ptrdiff_t(i));
      ++done;
      ended = true;
    }
    progress.update(int64_t(done));
    if (!ended)
      std::this_thread::sleep_for(kPollInterval);
  }
  progress.finish();
  record.counters = countersOf(engine.stats());
  return record;
}

} // namespace llmc::bench
