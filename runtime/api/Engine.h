// Engine: the runtime's C++ API. Serves many requests at once on one device:
// submit (token ids, sampling parameters, stop conditions) returns a
// per-request token stream; cancel works in any state; each finished stream
// carries its metrics (TTFT, TPOT, ITL, E2E).
//
// One engine-loop thread owns the Scheduler and the device's StepExecutor
// (runtime/api/StepExecutor.h). On a GPU it plans and queues step N+1 while
// the device runs step N, then collects step N's tokens (the scheduler takes
// results one step late; the device masks the work of a slot that finished
// meanwhile). Within a step the decode rows run before the prefill chunks, so
// a prompt that ends in this step starts decoding in the next one. Callers
// never touch the loop: submissions and cancels go through an inbox, tokens
// come back through the streams. Tokenizing and detokenizing happen on the
// callers' threads; the loop sees only ids.
//
// Engines are made by a device's factory: createGpuEngine
// (runtime/api/GpuExecutor.h) or createCpuEngine (runtime/cpu/CpuExecutor.h).
// With launch profiling on (GPU) the engine keeps every launch of every step,
// each with the rows it ran over and the mean context of its step, for
// launchProfile().
#pragma once

#include "runtime/Status.h"
#include "runtime/api/StepExecutor.h"
#include "runtime/estimate/KernelProfile.h"
#include "runtime/metrics/RequestMetrics.h"
#include "runtime/serving/Request.h"
#include "runtime/serving/Scheduler.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace llmc {

/// How the loop schedules, whatever the device.
struct SchedulingOptions {
  serving::BatchingMode mode = serving::BatchingMode::Continuous;
  /// Token rows per step, prefill and decode together (0: the executor's
  /// maximum, which bounds it).
  int32_t maxStepTokens = 0;
  /// Requests share the cached KV blocks of a common prompt prefix.
  bool prefixCaching = true;
};

/// One token of a stream, with its log-probabilities when they were asked
/// for (Request::topLogprobs >= 0).
using StreamToken = ScoredToken;

/// How a stream ended.
enum class StreamEnd { Running, Finished, Cancelled, Failed };

/// The tokens of one request, in order, as the engine produces them.
/// Thread-safe: the engine loop pushes, any thread reads.
class TokenStream {
public:
  /// Blocks until the next token (true) or the end of the stream (false).
  bool next(int32_t &token);
  /// Like next() but never blocks: false when no token is ready now.
  bool tryNext(int32_t &token, bool &ended);
  /// tryNext() with the token's log-probabilities.
  bool tryNext(StreamToken &token, bool &ended);
  /// Calls `listener` (on the engine loop: it must only hand work on) after
  /// every token and at the end; at once when something is already pending.
  void setListener(std::function<void()> listener);
  /// Blocks until the stream ends; returns every token not read yet.
  std::vector<int32_t> drain();

  StreamEnd end() const;
  /// Set when end() == Finished.
  std::optional<serving::FinishReason> finishReason() const;
  /// The reason when end() == Failed.
  std::string error() const;
  /// Latency of the request; complete once the stream has ended.
  RequestMetrics metrics() const;
  /// Times the request lost its slot and was recomputed.
  int32_t preemptions() const;

private:
  friend class Engine;
  void push(StreamToken token, Clock::time_point at);
  void close(StreamEnd end, std::optional<serving::FinishReason> reason,
             std::string error = {});
  void notify();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::function<void()> listener_;
  std::deque<StreamToken> pending_;
  StreamEnd end_ = StreamEnd::Running;
  std::optional<serving::FinishReason> reason_;
  std::string error_;
  Clock::time_point sent_;
  std::vector<Clock::time_point> tokenTimes_;
  int32_t preemptions_ = 0;
};

/// What the loop measured; a snapshot.
struct EngineStats {
  int64_t steps = 0;
  int64_t decodeSteps = 0;
  double gpuBusyMs = 0; ///< GPU time of the steps' work (events)
  double gapMs = 0;     ///< GPU idle time between consecutive steps
  int64_t gaps = 0;     ///< how many gaps were measured
  uint64_t hostToDeviceCopies = 0;
  /// Host-to-device copies queued for decode-only steps (must stay 0: a
  /// decode step is one graph replay, and what changes between steps is
  /// set by device memsets).
  uint64_t copiesInDecodeOnlySteps = 0;
  /// 4-byte device memsets queued before decode-only steps (block-table
  /// entries, released slots).
  uint64_t wordWritesBeforeDecodeOnlySteps = 0;
  int64_t preemptions = 0; ///< summed over finished requests
  /// Since the engine started, never reset by resetStats() (the server's
  /// Prometheus counters): the device time of every collected step's work,
  /// and the wall time the engine loop has run. Their increments over a
  /// window give the device's busy share in that window.
  double deviceBusySecondsTotal = 0;
  double wallSecondsTotal = 0;

  /// Share of the time the GPU was busy across the measured steps.
  double gpuBusyFraction() const {
    return gpuBusyMs + gapMs > 0 ? gpuBusyMs / (gpuBusyMs + gapMs) : 0;
  }
  double meanGapMs() const { return gaps > 0 ? gapMs / double(gaps) : 0; }
};

class Engine {
public:
  /// Starts the loop over `executor`.
  static StatusOr<std::unique_ptr<Engine>>
  create(std::unique_ptr<StepExecutor> executor,
         const SchedulingOptions &options = {});
  /// Stops the loop; streams still running end as Cancelled.
  ~Engine();

  /// Queues a request. An invalid request (empty prompt, prompt too long
  /// for the context, bad sampling values) fails here and touches nothing.
  StatusOr<std::shared_ptr<TokenStream>> submit(serving::Request request);
  /// Cancels the request of `stream` in any state, freeing its slot and
  /// blocks; the stream ends as Cancelled. No-op for an ended stream.
  void cancel(const std::shared_ptr<TokenStream> &stream);
  /// The log-probability of every token of `tokens` given those before it,
  /// with the `top` most likely alternatives (StepExecutor::scorePrompt),
  /// computed on the loop between steps. `done` runs on the loop thread and
  /// must only hand its result on.
  using ScoreCallback = std::function<void(StatusOr<std::vector<ScoredToken>>)>;
  void score(std::vector<int32_t> tokens, int32_t top, ScoreCallback done);

  const StepExecutor &executor() const { return *executor_; }
  const ModelConfig &config() const { return executor_->config(); }
  EngineStats stats() const;
  /// A snapshot of the scheduler's load, for monitoring.
  struct Load {
    int64_t queued = 0;  ///< submitted, waiting for a slot
    int64_t running = 0; ///< holding a slot
    int64_t blocksUsed = 0, blocksFree = 0;
    int64_t blocksCached = 0; ///< free blocks still holding a cached prefix
    /// Prompt tokens looked up in the prefix cache, and those found.
    int64_t prefixQueriedTokens = 0, prefixHitTokens = 0;
  };
  Load load() const;
  /// Every launch of the steps collected since the last resetStats(), in
  /// the order they ran; empty unless options.device.profileLaunches.
  std::vector<LaunchRecord> launchProfile() const;
  /// Resets the measurements (e.g. after a warm-up), the launch profile too;
  /// the *Total counters keep counting.
  void resetStats();

private:
  struct Inbox {
    std::vector<std::pair<serving::Request, std::shared_ptr<TokenStream>>>
        submissions;
    std::vector<std::shared_ptr<TokenStream>> cancels;
    struct Score {
      std::vector<int32_t> tokens;
      int32_t top = 0;
      ScoreCallback done;
    };
    std::vector<Score> scores;
  };

  Engine(std::unique_ptr<StepExecutor> executor, serving::Scheduler scheduler);
  void loop();
  Status runOnce(bool &didWork);
  Status collectOldest();
  void publishLoad();
  void failAll(const Status &status);

  std::unique_ptr<StepExecutor> executor_;
  serving::Scheduler scheduler_;

  mutable std::mutex mutex_; // guards inbox_, stopping_, stats_, profile_,
                             // load_
  Load load_;
  std::condition_variable wake_;
  Inbox inbox_;
  bool stopping_ = false;
  EngineStats stats_;
  std::vector<LaunchRecord> profile_;
  const Clock::time_point started_ = Clock::now();

  // Loop-thread state.
  std::deque<int64_t> inFlight_; // steps launched, not collected
  std::map<serving::RequestId, std::shared_ptr<TokenStream>> streams_;
  std::thread thread_;
};

} // namespace llmc
