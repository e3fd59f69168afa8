// The engine loop over a StepExecutor, and the token streams it fills.
#include "runtime/api/Engine.h"

#include <algorithm>
#include <iterator>

namespace llmc {

//===----------------------------------------------------------------------===//
// TokenStream
//===----------------------------------------------------------------------===//

bool TokenStream::next(int32_t &token) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock,
              [&] { return !pending_.empty() || end_ != StreamEnd::Running; });
  if (pending_.empty())
    return false;
  token = pending_.front().token;
  pending_.pop_front();
  return true;
}

bool TokenStream::tryNext(StreamToken &token, bool &ended) {
  std::lock_guard<std::mutex> lock(mutex_);
  ended = pending_.empty() && end_ != StreamEnd::Running;
  if (pending_.empty())
    return false;
  token = std::move(pending_.front());
  pending_.pop_front();
  return true;
}

bool TokenStream::tryNext(int32_t &token, bool &ended) {
  StreamToken t;
  if (!tryNext(t, ended))
    return false;
  token = t.token;
  return true;
}

void TokenStream::setListener(std::function<void()> listener) {
  bool pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener_ = std::move(listener);
    pending = !pending_.empty() || end_ != StreamEnd::Running;
  }
  if (pending)
    notify();
}

void TokenStream::notify() {
  std::function<void()> listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener = listener_;
  }
  if (listener)
    listener();
}

std::vector<int32_t> TokenStream::drain() {
  std::vector<int32_t> tokens;
  int32_t token;
  while (next(token))
    tokens.push_back(token);
  return tokens;
}

StreamEnd TokenStream::end() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return end_;
}

std::optional<serving::FinishReason> TokenStream::finishReason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

std::string TokenStream::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

RequestMetrics TokenStream::metrics() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return RequestMetrics::fromTimestamps(sent_, tokenTimes_);
}

int32_t TokenStream::preemptions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return preemptions_;
}

void TokenStream::push(StreamToken token, Clock::time_point at) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(token));
    tokenTimes_.push_back(at);
  }
  ready_.notify_all();
  notify();
}

void TokenStream::close(StreamEnd end,
                        std::optional<serving::FinishReason> reason,
                        std::string error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (end_ != StreamEnd::Running)
      return;
    end_ = end;
    reason_ = reason;
    error_ = std::move(error);
  }
  ready_.notify_all();
  notify();
}

//===----------------------------------------------------------------------===//
// Engine
//===----------------------------------------------------------------------===//

StatusOr<std::unique_ptr<Engine>>
Engine::create(std::unique_ptr<StepExecutor> executor,
               const SchedulingOptions &options) {
  const ExecutorLimits limits = executor->limits();
  serving::SchedulerParams params;
  params.maxSlots = limits.maxSlots;
  params.maxSeqLen = limits.maxSeqLen;
  params.blockSize = limits.blockSize;
  params.numBlocks = limits.numBlocks;
  params.maxStepTokens =
      options.maxStepTokens > 0
          ? std::min(options.maxStepTokens, limits.maxStepTokens)
          : limits.maxStepTokens;
  params.mode = options.mode;
  params.prefixCaching = options.prefixCaching;
  LLMC_ASSIGN_OR_RETURN(serving::Scheduler scheduler,
                        serving::Scheduler::create(params));
  std::unique_ptr<Engine> engine(
      new Engine(std::move(executor), std::move(scheduler)));
  engine->publishLoad();
  engine->thread_ = std::thread([e = engine.get()] { e->loop(); });
  return engine;
}

Engine::Engine(std::unique_ptr<StepExecutor> executor,
               serving::Scheduler scheduler)
    : executor_(std::move(executor)), scheduler_(std::move(scheduler)) {}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
  for (auto &[id, stream] : streams_)
    stream->close(StreamEnd::Cancelled, std::nullopt);
}

void Engine::score(std::vector<int32_t> tokens, int32_t top,
                   ScoreCallback done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      done(Status::error("the engine is shutting down"));
      return;
    }
    inbox_.scores.push_back({std::move(tokens), top, std::move(done)});
  }
  wake_.notify_all();
}

StatusOr<std::shared_ptr<TokenStream>>
Engine::submit(serving::Request request) {
  StatusOr<serving::SlotStopIds> checked =
      serving::checkRequest(request, scheduler_.params().maxSeqLen);
  if (!checked.isOk())
    return checked.status();
  if (request.topLogprobs >= 0 && !executor_->reportsLogprobs())
    return Status::error("log-probabilities are not supported by the " +
                         executor_->deviceName() + " device");
  auto stream = std::make_shared<TokenStream>();
  stream->sent_ = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_)
      return Status::error("the engine is shutting down");
    inbox_.submissions.emplace_back(std::move(request), stream);
  }
  wake_.notify_all();
  return stream;
}

void Engine::cancel(const std::shared_ptr<TokenStream> &stream) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inbox_.cancels.push_back(stream);
  }
  wake_.notify_all();
}

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  EngineStats s = stats_;
  s.hostToDeviceCopies = executor_->hostToDeviceCopies();
  s.wallSecondsTotal =
      std::chrono::duration<double>(Clock::now() - started_).count();
  return s;
}

Engine::Load Engine::load() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Load load = load_;
  // Submissions the loop has not taken yet wait too.
  load.queued += int64_t(inbox_.submissions.size());
  return load;
}

void Engine::publishLoad() {
  Load load;
  load.queued = int64_t(scheduler_.numQueued());
  load.running = int64_t(scheduler_.numRunning());
  const serving::BlockManager &blocks = scheduler_.blockManager();
  load.blocksFree = blocks.numFreeBlocks();
  load.blocksUsed = blocks.params().numBlocks - load.blocksFree;
  load.blocksCached = blocks.numCachedBlocks();
  load.prefixQueriedTokens = scheduler_.prefixQueriedTokens();
  load.prefixHitTokens = scheduler_.prefixHitTokens();
  std::lock_guard<std::mutex> lock(mutex_);
  load_ = load;
}

std::vector<LaunchRecord> Engine::launchProfile() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return profile_;
}

void Engine::resetStats() {
  std::lock_guard<std::mutex> lock(mutex_);
  const double busyTotal = stats_.deviceBusySecondsTotal;
  stats_ = EngineStats{};
  stats_.deviceBusySecondsTotal = busyTotal;
  profile_.clear();
}

void Engine::loop() {
  Status status = executor_->bindToThisThread();
  while (status.isOk()) {
    bool didWork = false;
    status = runOnce(didWork);
    if (!status.isOk())
      break;
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_)
      break;
    if (!didWork)
      wake_.wait(lock, [&] {
        return stopping_ || !inbox_.submissions.empty() ||
               !inbox_.cancels.empty() || !inbox_.scores.empty();
      });
  }
  if (!status.isOk())
    failAll(status);
}

void Engine::failAll(const Status &status) {
  for (auto &[id, stream] : streams_)
    stream->close(StreamEnd::Failed, std::nullopt,
                  "the engine stopped: " + status.message());
  streams_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  for (auto &[request, stream] : inbox_.submissions)
    stream->close(StreamEnd::Failed, std::nullopt,
                  "the engine stopped: " + status.message());
  inbox_.submissions.clear();
  for (Inbox::Score &score : inbox_.scores)
    score.done(Status::error("the engine stopped: " + status.message()));
  inbox_.scores.clear();
}

Status Engine::runOnce(bool &didWork) {
  Inbox inbox;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(inbox, inbox_);
  }
  for (auto &[request, stream] : inbox.submissions) {
    StatusOr<serving::RequestId> id = scheduler_.submit(std::move(request));
    if (!id.isOk()) {
      stream->close(StreamEnd::Failed, std::nullopt, id.status().message());
      continue;
    }
    streams_[*id] = stream;
  }
  for (const std::shared_ptr<TokenStream> &stream : inbox.cancels) {
    for (auto it = streams_.begin(); it != streams_.end(); ++it) {
      if (it->second != stream)
        continue;
      LLMC_RETURN_IF_ERROR(scheduler_.cancel(it->first));
      stream->close(StreamEnd::Cancelled, std::nullopt);
      streams_.erase(it);
      break;
    }
  }

  for (Inbox::Score &score : inbox.scores)
    score.done(executor_->scorePrompt(score.tokens, score.top));

  serving::StepPlan plan = scheduler_.planStep();
  if (!plan.empty()) {
    LLMC_RETURN_IF_ERROR(executor_->launch(plan));
    inFlight_.push_back(plan.step);
  }
  // Keep up to maxInFlight steps queued: collect the oldest only when the
  // queue is full, or when nothing new could be planned.
  bool collected = false;
  if (!inFlight_.empty() &&
      (int(inFlight_.size()) >= executor_->maxInFlight() || plan.empty())) {
    LLMC_RETURN_IF_ERROR(collectOldest());
    collected = true;
  }
  publishLoad();
  // A collected step may have freed slots for queued requests: plan again
  // before sleeping.
  didWork = !plan.empty() || collected;
  return Status::ok();
}

Status Engine::collectOldest() {
  const int64_t stepIndex = inFlight_.front();
  inFlight_.pop_front();
  LLMC_ASSIGN_OR_RETURN(StepResult step, executor_->collect());
  if (!step.launches.empty()) {
    // Before any stream hears of this step: a caller that has read its
    // last token finds the step's launches in the profile.
    std::lock_guard<std::mutex> lock(mutex_);
    profile_.insert(profile_.end(),
                    std::make_move_iterator(step.launches.begin()),
                    std::make_move_iterator(step.launches.end()));
  }
  const Clock::time_point now = Clock::now();
  int64_t preemptions = 0;
  LLMC_ASSIGN_OR_RETURN(std::vector<serving::RequestOutput> outputs,
                        scheduler_.onStepResult(stepIndex, step.events));
  for (serving::RequestOutput &output : outputs) {
    auto it = streams_.find(output.request);
    if (it == streams_.end())
      continue;
    it->second->push(
        {output.token, output.logprob, std::move(output.topLogprobs)}, now);
    if (output.finish) {
      {
        std::lock_guard<std::mutex> lock(it->second->mutex_);
        it->second->preemptions_ = output.timeline.preemptions;
      }
      preemptions += output.timeline.preemptions;
      it->second->close(StreamEnd::Finished, output.finish);
      streams_.erase(it);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.steps;
  if (step.decodeOnly) {
    ++stats_.decodeSteps;
    stats_.copiesInDecodeOnlySteps += step.copies;
    stats_.wordWritesBeforeDecodeOnlySteps += step.wordWrites;
  }
  stats_.gpuBusyMs += step.busyMs;
  stats_.deviceBusySecondsTotal += step.busyMs / 1e3;
  stats_.gapMs += step.gapMs;
  stats_.gaps += step.gaps;
  stats_.preemptions += preemptions;
  return Status::ok();
}

} // namespace llmc
