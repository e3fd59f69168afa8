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
  token = pending_.front();
  pending_.pop_front();
  return true;
}

bool TokenStream::tryNext(int32_t &token, bool &ended) {
  std::lock_guard<std::mutex> lock(mutex_);
  ended = pending_.empty() && end_ != StreamEnd::Running;
  if (pending_.empty())
    return false;
  token = pending_.front();
  pending_.pop_front();
  return true;
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

void TokenStream::push(int32_t token, Clock::time_point at) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(token);
    tokenTimes_.push_back(at);
  }
  ready_.notify_all();
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
}

//===----------------------------------------------------------------------===//
// Engine
//===----------------------------------------------------------------------===//

namespace {

/// LaunchCost's context of a decode over `rows` rows: a row at position p
/// attends to p + 1 positions; rows with no request attend to none.
double decodeContext(const std::vector<serving::DecodeRow> &decodes,
                     int64_t rows) {
  double attended = 0;
  for (const serving::DecodeRow &row : decodes)
    attended += double(row.position) + 1;
  return attended / double(rows);
}

/// LaunchCost's context of a prefill: every chunk's rows attend to the
/// positions up to their own.
double prefillContext(const std::vector<serving::PrefillChunk> &chunks) {
  double attended = 0, rows = 0;
  for (const serving::PrefillChunk &chunk : chunks) {
    const double n = double(chunk.tokens.size());
    // Positions start + 1 .. start + n, summed.
    attended += n * double(chunk.startPosition) + n * (n + 1) / 2;
    rows += n;
  }
  return rows > 0 ? attended / rows : 0;
}

} // namespace

/// A queued step: its device tickets (decode first, then prefill) and the
/// wall-clock time it was queued.
struct Engine::InFlightStep {
  int64_t step = 0;
  std::vector<gpu::StepTicket> tickets;
  /// Per ticket, the mean context of its rows (for the launch profile).
  std::vector<double> contexts;
  bool decodeOnly = false;
  uint64_t copies = 0;     ///< host-to-device copies queued for it
  uint64_t wordWrites = 0; ///< device memsets queued for it
};

StatusOr<std::unique_ptr<Engine>>
Engine::create(const std::string &engineDirectory,
               const EngineOptions &options) {
  gpu::DeviceOptions deviceOptions = options.device;
  // Two steps in flight of up to two tickets each, plus the one being staged.
  deviceOptions.ringRows = std::max(deviceOptions.ringRows, 8);
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<gpu::DeviceModel> device,
                        gpu::DeviceModel::load(engineDirectory, deviceOptions));
  const Manifest &m = device->manifest();
  serving::SchedulerParams params;
  params.maxSlots = int32_t(m.options.maxSlots);
  params.maxSeqLen = int32_t(m.config.maxSeqLen);
  params.blockSize = int32_t(m.kvCache.blockSize);
  params.numBlocks = int32_t(device->numKvBlocks());
  params.maxStepTokens = options.maxStepTokens > 0
                             ? options.maxStepTokens
                             : int32_t(device->maxPrefillRows());
  params.maxStepTokens = std::min<int32_t>(params.maxStepTokens,
                                           int32_t(device->maxPrefillRows()));
  params.mode = options.mode;
  StatusOr<serving::Scheduler> scheduler = serving::Scheduler::create(params);
  if (!scheduler.isOk())
    return Status::error(engineDirectory + ": " + scheduler.status().message());
  std::unique_ptr<Engine> engine(
      new Engine(std::move(device), std::move(scheduler).value()));
  engine->thread_ = std::thread([e = engine.get()] { e->loop(); });
  return engine;
}

Engine::Engine(std::unique_ptr<gpu::DeviceModel> device,
               serving::Scheduler scheduler)
    : device_(std::move(device)), scheduler_(std::move(scheduler)) {}

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

StatusOr<std::shared_ptr<TokenStream>>
Engine::submit(serving::Request request) {
  StatusOr<serving::SlotStopIds> checked =
      serving::checkRequest(request, int32_t(manifest().config.maxSeqLen));
  if (!checked.isOk())
    return checked.status();
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
  s.hostToDeviceCopies = device_->hostToDeviceCopies();
  return s;
}

std::vector<LaunchRecord> Engine::launchProfile() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return profile_;
}

void Engine::resetStats() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_ = EngineStats{};
  profile_.clear();
}

void Engine::loop() {
  Status status = device_->bindToThisThread();
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
               !inbox_.cancels.empty();
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

  serving::StepPlan plan = scheduler_.planStep();
  if (!plan.empty())
    LLMC_RETURN_IF_ERROR(launch(plan));
  // Keep one step queued behind the one running: collect the oldest only
  // when another is queued, or when nothing new could be planned.
  bool collected = false;
  if (!inFlight_.empty() && (inFlight_.size() >= 2 || plan.empty())) {
    LLMC_RETURN_IF_ERROR(collectOldest());
    collected = true;
  }
  // A collected step may have freed slots for queued requests: plan again
  // before sleeping.
  didWork = !plan.empty() || collected;
  return Status::ok();
}

Status Engine::launch(const serving::StepPlan &plan) {
  const uint64_t copiesBefore = device_->hostToDeviceCopies();
  const uint64_t writesBefore = device_->wordWrites();
  for (int32_t slot : plan.releasedSlots)
    LLMC_RETURN_IF_ERROR(device_->release(slot));
  for (const serving::SlotInit &init : plan.admissions) {
    gpu::SlotInit slot;
    slot.maxNewTokens = init.maxNewTokens;
    slot.stopIds = init.stops.stopIds;
    slot.eosId = init.stops.eosId;
    slot.contextLimit = init.contextLimit;
    slot.temperature = init.sampling.temperature;
    slot.topK = int32_t(init.sampling.topK);
    slot.topP = init.sampling.topP;
    slot.seed = init.sampling.seed;
    LLMC_RETURN_IF_ERROR(device_->admit(init.slot, slot));
  }
  std::vector<gpu::BlockTableEntry> entries;
  for (const serving::BlockTableChange &change : plan.blockTableChanges)
    entries.push_back({change.slot, change.index, change.block});
  LLMC_RETURN_IF_ERROR(device_->updateBlockTables(entries));

  InFlightStep step;
  step.step = plan.step;
  step.decodeOnly = plan.prefills.empty();
  if (!plan.decodes.empty()) {
    int64_t highest = 0;
    for (const serving::DecodeRow &row : plan.decodes)
      highest = std::max<int64_t>(highest, row.slot);
    // Rows in powers of two, so a handful of CUDA graphs cover every step.
    int64_t rows = 1;
    while (rows < highest + 1)
      rows *= 2;
    rows = std::min(rows, device_->maxSlots());
    LLMC_ASSIGN_OR_RETURN(gpu::StepTicket ticket, device_->enqueueDecode(rows));
    step.tickets.push_back(ticket);
    step.contexts.push_back(decodeContext(plan.decodes, rows));
  }
  if (!plan.prefills.empty()) {
    std::vector<gpu::PrefillChunk> chunks;
    for (const serving::PrefillChunk &chunk : plan.prefills)
      chunks.push_back(
          {chunk.slot, chunk.tokens, chunk.startPosition, chunk.lastChunk});
    LLMC_ASSIGN_OR_RETURN(gpu::StepTicket ticket,
                          device_->enqueuePrefill(chunks));
    step.tickets.push_back(ticket);
    step.contexts.push_back(prefillContext(plan.prefills));
  }
  step.copies = device_->hostToDeviceCopies() - copiesBefore;
  step.wordWrites = device_->wordWrites() - writesBefore;
  inFlight_.push_back(std::move(step));
  return Status::ok();
}

Status Engine::collectOldest() {
  InFlightStep step = std::move(inFlight_.front());
  inFlight_.pop_front();
  std::vector<serving::SlotEvent> events;
  double gpuMs = 0, gapMs = 0;
  int64_t gaps = 0;
  std::vector<LaunchRecord> launches;
  for (size_t i = 0; i < step.tickets.size(); ++i) {
    const gpu::StepTicket &ticket = step.tickets[i];
    LLMC_ASSIGN_OR_RETURN(std::vector<gpu::SlotToken> tokens,
                          device_->collect(ticket));
    for (const gpu::SlotToken &t : tokens)
      events.push_back({int32_t(t.slot), t.token, t.reason});
    if (device_->profilesLaunches()) {
      LLMC_ASSIGN_OR_RETURN(std::vector<gpu::LaunchTiming> timings,
                            device_->launchTimings(ticket));
      for (gpu::LaunchTiming &t : timings)
        launches.push_back({std::move(t.phase), t.launchIndex,
                            std::move(t.kernel), t.rows, step.contexts[i],
                            double(t.milliseconds)});
    }
    LLMC_ASSIGN_OR_RETURN(float ms, device_->gpuMilliseconds(ticket));
    gpuMs += ms;
    // Gaps only between tickets queued back to back by this loop.
    if (lastTicket_ && *lastTicket_ + 1 == int64_t(ticket.index)) {
      StatusOr<float> gap = device_->gapBeforeMilliseconds(ticket);
      if (gap.isOk()) {
        gapMs += *gap;
        ++gaps;
      }
    }
    lastTicket_ = int64_t(ticket.index);
  }
  if (!launches.empty()) {
    // Before any stream hears of this step: a caller that has read its
    // last token finds the step's launches in the profile.
    std::lock_guard<std::mutex> lock(mutex_);
    profile_.insert(profile_.end(), std::make_move_iterator(launches.begin()),
                    std::make_move_iterator(launches.end()));
  }
  const Clock::time_point now = Clock::now();
  int64_t preemptions = 0;
  LLMC_ASSIGN_OR_RETURN(std::vector<serving::RequestOutput> outputs,
                        scheduler_.onStepResult(step.step, events));
  for (const serving::RequestOutput &output : outputs) {
    auto it = streams_.find(output.request);
    if (it == streams_.end())
      continue;
    it->second->push(output.token, now);
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
  stats_.gpuBusyMs += gpuMs;
  stats_.gapMs += gapMs;
  stats_.gaps += gaps;
  stats_.preemptions += preemptions;
  return Status::ok();
}

} // namespace llmc
