// The GPU executor: a StepPlan applied to gpu::DeviceModel, and the engine
// factory over it.
#include "runtime/api/GpuExecutor.h"

#include <algorithm>

namespace llmc {

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

/// A queued step: its device tickets (decode first, then prefill).
struct GpuExecutor::InFlightStep {
  std::vector<gpu::StepTicket> tickets;
  /// Per ticket, the mean context of its rows (for the launch profile).
  std::vector<double> contexts;
  bool decodeOnly = false;
  uint64_t copies = 0;     ///< host-to-device copies queued for it
  uint64_t wordWrites = 0; ///< device memsets queued for it
};

StatusOr<std::unique_ptr<GpuExecutor>>
GpuExecutor::load(const std::string &engineDirectory,
                  const gpu::DeviceOptions &options) {
  gpu::DeviceOptions deviceOptions = options;
  // Two steps in flight of up to two tickets each, plus the one being staged.
  deviceOptions.ringRows = std::max(deviceOptions.ringRows, 8);
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<gpu::DeviceModel> device,
                        gpu::DeviceModel::load(engineDirectory, deviceOptions));
  return std::unique_ptr<GpuExecutor>(new GpuExecutor(std::move(device)));
}

GpuExecutor::GpuExecutor(std::unique_ptr<gpu::DeviceModel> device)
    : device_(std::move(device)),
      reportsLogprobs_(sampleComputesLogprobs(device_->manifest())) {}

bool sampleComputesLogprobs(const Manifest &manifest) {
  const Phase *sample = manifest.findPhase("sample");
  if (!sample)
    return false;
  for (const KernelLaunch &launch : sample->launches)
    for (const KernelArg &arg : launch.args)
      if (arg.kind == ArgKind::Input && arg.name == "logprob_ring")
        return true;
  return false;
}

ExecutorLimits GpuExecutor::limits() const {
  const Manifest &m = device_->manifest();
  ExecutorLimits limits;
  limits.maxSlots = int32_t(m.options.maxSlots);
  limits.maxSeqLen = int32_t(m.config.maxSeqLen);
  limits.blockSize = int32_t(m.kvCache.blockSize);
  limits.numBlocks = int32_t(device_->numKvBlocks());
  limits.maxStepTokens = int32_t(device_->maxPrefillRows());
  return limits;
}

Status GpuExecutor::launch(const serving::StepPlan &plan) {
  const uint64_t copiesBefore = device_->hostToDeviceCopies();
  const uint64_t writesBefore = device_->wordWrites();
  for (int32_t slot : plan.releasedSlots)
    LLMC_RETURN_IF_ERROR(device_->release(slot));
  for (const serving::SlotInit &init : plan.admissions)
    LLMC_RETURN_IF_ERROR(device_->admit(init));
  LLMC_RETURN_IF_ERROR(device_->updateBlockTables(plan.blockTableChanges));

  InFlightStep step;
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
    LLMC_ASSIGN_OR_RETURN(gpu::StepTicket ticket,
                          device_->enqueuePrefill(plan.prefills));
    step.tickets.push_back(ticket);
    step.contexts.push_back(prefillContext(plan.prefills));
  }
  step.copies = device_->hostToDeviceCopies() - copiesBefore;
  step.wordWrites = device_->wordWrites() - writesBefore;
  inFlight_.push_back(std::move(step));
  return Status::ok();
}

StatusOr<StepResult> GpuExecutor::collect() {
  if (inFlight_.empty())
    return Status::error("no step is in flight on the GPU");
  InFlightStep step = std::move(inFlight_.front());
  inFlight_.pop_front();
  StepResult result;
  result.decodeOnly = step.decodeOnly;
  result.copies = step.copies;
  result.wordWrites = step.wordWrites;
  for (size_t i = 0; i < step.tickets.size(); ++i) {
    const gpu::StepTicket &ticket = step.tickets[i];
    LLMC_ASSIGN_OR_RETURN(std::vector<serving::SlotEvent> events,
                          device_->collect(ticket));
    for (serving::SlotEvent &event : events)
      result.events.push_back(std::move(event));
    if (device_->profilesLaunches()) {
      LLMC_ASSIGN_OR_RETURN(std::vector<LaunchRecord> records,
                            device_->launchTimings(ticket));
      for (LaunchRecord &record : records) {
        record.context = step.contexts[i];
        result.launches.push_back(std::move(record));
      }
    }
    LLMC_ASSIGN_OR_RETURN(float ms, device_->gpuMilliseconds(ticket));
    result.busyMs += ms;
    // Gaps only between tickets queued back to back by this executor.
    if (lastTicket_ && *lastTicket_ + 1 == int64_t(ticket.index)) {
      StatusOr<float> gap = device_->gapBeforeMilliseconds(ticket);
      if (gap.isOk()) {
        result.gapMs += *gap;
        ++result.gaps;
      }
    }
    lastTicket_ = int64_t(ticket.index);
  }
  return result;
}

StatusOr<std::unique_ptr<Engine>>
createGpuEngine(const std::string &engineDirectory,
                const EngineOptions &options) {
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<GpuExecutor> executor,
                        GpuExecutor::load(engineDirectory, options.device));
  SchedulingOptions scheduling;
  scheduling.mode = options.mode;
  scheduling.maxStepTokens = options.maxStepTokens;
  scheduling.prefixCaching = options.prefixCaching;
  StatusOr<std::unique_ptr<Engine>> engine =
      Engine::create(std::move(executor), scheduling);
  if (!engine.isOk())
    return Status::error(engineDirectory + ": " + engine.status().message());
  return engine;
}

const GpuExecutor &gpuExecutor(const Engine &engine) {
  return static_cast<const GpuExecutor &>(engine.executor());
}

} // namespace llmc
