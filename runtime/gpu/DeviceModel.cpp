#include "runtime/gpu/DeviceModel.h"

#include "runtime/gpu/DeviceWeights.h"

namespace llmc::gpu {

DeviceModel::DeviceModel(EngineFiles engine) : engine_(std::move(engine)) {}

DeviceModel::~DeviceModel() {
  if (stream_)
    (void)stream_->synchronize();
}

StatusOr<std::unique_ptr<DeviceModel>>
DeviceModel::load(const std::string &engineDirectory,
                  const DeviceOptions &options) {
  OpenOptions open;
  open.verifyHashes = options.verifyHashes;
  LLMC_ASSIGN_OR_RETURN(EngineFiles engine, openEngine(engineDirectory, open));
  std::unique_ptr<DeviceModel> model(new DeviceModel(std::move(engine)));
  LLMC_RETURN_IF_ERROR(model->initialize(options));
  return model;
}

Status DeviceModel::initialize(const DeviceOptions &options) {
  if (options.ringRows < 1)
    return Status::error("ringRows must be at least 1");
  ringRows_ = options.ringRows;
  LLMC_ASSIGN_OR_RETURN(driver_, cuda::CudaDriver::load());
  LLMC_ASSIGN_OR_RETURN(cuda::PrimaryContext context,
                        cuda::PrimaryContext::retainAndMakeCurrent(
                            *driver_, options.deviceOrdinal));
  context_.emplace(std::move(context));
  LLMC_ASSIGN_OR_RETURN(properties_, cuda::queryDeviceProperties(
                                         *driver_, options.deviceOrdinal));
  LLMC_ASSIGN_OR_RETURN(cuda::Stream stream, cuda::Stream::create(*driver_));
  stream_.emplace(std::move(stream));

  prefill_ = manifest().findPhase("prefill");
  decode_ = manifest().findPhase("decode");
  sample_ = manifest().findPhase("sample");
  if (!prefill_ || !decode_ || !sample_)
    return Status::error(engine_.directory +
                         ": the engine needs the phases prefill, decode and "
                         "sample");
  LLMC_ASSIGN_OR_RETURN(
      kernels_, LoadedKernels::load(*driver_, engine_, properties_.arch()));
  LLMC_ASSIGN_OR_RETURN(weights_,
                        loadDeviceWeights(*driver_, engine_, options.threads));
  if (options.profileLaunches)
    profiler_.emplace(*driver_, size_t(ringRows_));
  decodeGraphs_ =
      DecodeGraphs([this](int64_t rows) { return bindDecode(rows); });
  return allocateBuffers(options);
}

Status DeviceModel::allocateBuffers(const DeviceOptions &options) {
  const Manifest &m = manifest();
  const int64_t slots = m.options.maxSlots;
  using cuda::DeviceBuffer;

  for (const Phase &phase : m.phases) {
    LLMC_ASSIGN_OR_RETURN(DeviceBuffer arena,
                          DeviceBuffer::allocate(*driver_, phase.arenaBytes));
    arenas_.emplace(phase.name, std::move(arena));
  }
  for (const auto &[name, values] : m.constants) {
    LLMC_ASSIGN_OR_RETURN(
        DeviceBuffer buffer,
        DeviceBuffer::allocate(*driver_, values.size() * sizeof(float)));
    LLMC_RETURN_IF_ERROR(
        buffer.copyFromHost(values.data(), values.size() * sizeof(float)));
    constants_.emplace(name, std::move(buffer));
  }

  LLMC_ASSIGN_OR_RETURN(slots_, SlotArrays::allocate(*driver_, slots));
  LLMC_ASSIGN_OR_RETURN(
      kvCache_, PagedKvCache::allocateTables(*driver_, m.kvCache, slots));
  LLMC_ASSIGN_OR_RETURN(
      prefillInputs_,
      PrefillInputs::allocate(*driver_, prefill_->maxRows, slots));
  LLMC_ASSIGN_OR_RETURN(tokenRing_,
                        TokenRing::allocate(*driver_, ringRows_, slots));

  // Per-step staging: a prefill's inputs, every slot's admission and every
  // block-table entry, each at most once per step.
  const std::size_t stagingBytes =
      prefillInputs_.bytes() +
      size_t(slots) * (slots_.bytes() / size_t(slots) + 512) +
      kvCache_.tableBytes() + 4096;
  LLMC_ASSIGN_OR_RETURN(
      steps_, StepQueue::create(*driver_, *stream_, ringRows_, stagingBytes));

  // The KV pools take what the share of device memory leaves.
  return kvCache_.allocatePools(*driver_, options.gpuMemoryFraction,
                                options.maxKvBlocks);
}

BindingTargets DeviceModel::targetsFor(const Phase &phase,
                                       CUdeviceptr arenaBase) const {
  BindingTargets t;
  t.arena = arenaBase;
  t.arenaBytes = phase.arenaBytes;
  t.weights = weights_.pointer();
  t.weightLayout = &manifest().weights;
  t.keyPool = kvCache_.keyPool();
  t.valuePool = kvCache_.valuePool();
  t.layerStride = kvCache_.layerStride();
  t.numLayers = manifest().kvCache.numLayers;
  t.slots = slots_.pointers();
  for (const auto &[name, buffer] : constants_)
    t.constants[name] = buffer.pointer();
  t.inputs["block_tables"] = kvCache_.blockTables();
  t.inputs["token_ring"] = tokenRing_.entries();
  t.inputs["logprob_ring"] = tokenRing_.logprobEntries();
  t.inputs["step_counter"] = tokenRing_.stepCounter();
  return t;
}

Status DeviceModel::admit(const serving::SlotInit &init) {
  return slots_.admit(steps_, init);
}

Status DeviceModel::release(int slot) { return slots_.release(steps_, slot); }

Status DeviceModel::updateBlockTables(
    const std::vector<serving::BlockTableChange> &changes) {
  return kvCache_.update(steps_, changes);
}

StatusOr<BoundPhase> DeviceModel::bindSample(CUdeviceptr logits,
                                             CUdeviceptr mask,
                                             int64_t rows) const {
  BindingTargets targets = targetsFor(*sample_, arenas_.at("sample").pointer());
  targets.inputs["logits"] = logits;
  targets.inputs["slot_mask"] = mask;
  PhaseSizes sizes;
  sizes.launch.rows = rows;
  sizes.ringRows = ringRows_;
  return bindPhase(*sample_, kernels_.functions(), codeArch(), targets, sizes);
}

StatusOr<DecodeLaunches> DeviceModel::bindDecode(int64_t rows) const {
  BindingTargets targets = targetsFor(*decode_, arenas_.at("decode").pointer());
  targets.inputs["tokens"] = slots_.pointer("tokens");
  targets.inputs["positions"] = slots_.pointer("positions");
  PhaseSizes sizes;
  sizes.launch.rows = rows;
  sizes.ringRows = ringRows_;
  DecodeLaunches bound;
  LLMC_ASSIGN_OR_RETURN(bound.forward, bindPhase(*decode_, kernels_.functions(),
                                                 codeArch(), targets, sizes));
  const KernelArg &logits = decode_->outputs.at("logits");
  LLMC_ASSIGN_OR_RETURN(
      bound.sample,
      bindSample(arenas_.at("decode").pointer() + logits.offset, 0, rows));
  return bound;
}

Status DeviceModel::enqueuePhase(const StepTicket &ticket, const Phase &phase,
                                 const BoundPhase &bound, int64_t rows) {
  if (profiler_)
    return profiler_->enqueue(ticket.index, phase, bound, rows, *stream_);
  return bound.enqueue(*stream_);
}

StatusOr<StepTicket>
DeviceModel::enqueuePrefill(const std::vector<serving::PrefillChunk> &chunks) {
  LLMC_ASSIGN_OR_RETURN(LaunchSizes launch,
                        prefillInputs_.stage(steps_, chunks));

  LLMC_ASSIGN_OR_RETURN(StepTicket ticket, steps_.begin());
  BindingTargets targets =
      targetsFor(*prefill_, arenas_.at("prefill").pointer());
  for (const auto &[name, pointer] : prefillInputs_.pointers())
    targets.inputs[name] = pointer;
  PhaseSizes sizes;
  sizes.launch = launch;
  sizes.ringRows = ringRows_;
  LLMC_ASSIGN_OR_RETURN(
      BoundPhase forward,
      bindPhase(*prefill_, kernels_.functions(), codeArch(), targets, sizes));
  LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *prefill_, forward, launch.rows));

  bool anyLast = false;
  for (const serving::PrefillChunk &chunk : chunks) {
    if (!chunk.lastChunk)
      continue;
    anyLast = true;
    // The sample and update that follow are the decode ones (SlotState.cuh).
    const int32_t last =
        int32_t(chunk.startPosition + int64_t(chunk.tokens.size()) - 1);
    LLMC_RETURN_IF_ERROR(slots_.setPosition(steps_, chunk.slot, last));
  }
  if (anyLast) {
    const int64_t slots = maxSlots();
    const KernelArg &logits = prefill_->outputs.at("logits");
    LLMC_ASSIGN_OR_RETURN(
        BoundPhase sample,
        bindSample(arenas_.at("prefill").pointer() + logits.offset,
                   prefillInputs_.pointer("logit_rows"), slots));
    LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *sample_, sample, slots));
    steps_.markSampled(ticket);
  }
  LLMC_RETURN_IF_ERROR(steps_.end(ticket));
  return ticket;
}

StatusOr<StepTicket> DeviceModel::enqueueDecode(int64_t rows) {
  if (rows < 1 || rows > maxSlots())
    return Status::error("a decode step covers 1.." +
                         std::to_string(maxSlots()) + " rows, not " +
                         std::to_string(rows));
  // A new graph is captured before the step's start event, so that the
  // step's GPU time does not include the capture.
  const cuda::GraphExec *graph = nullptr;
  if (!profiler_) {
    LLMC_ASSIGN_OR_RETURN(graph, decodeGraphs_.graph(rows, *stream_));
  }
  LLMC_ASSIGN_OR_RETURN(StepTicket ticket, steps_.begin());
  if (graph) {
    LLMC_RETURN_IF_ERROR(graph->launch(*stream_));
  } else {
    // The profiled path: no graph, the bindings cached.
    LLMC_ASSIGN_OR_RETURN(const DecodeLaunches *bound,
                          decodeGraphs_.launches(rows));
    LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *decode_, bound->forward, rows));
    LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *sample_, bound->sample, rows));
  }
  steps_.markSampled(ticket);
  LLMC_RETURN_IF_ERROR(steps_.end(ticket));
  return ticket;
}

StatusOr<std::vector<serving::SlotEvent>>
DeviceModel::collect(const StepTicket &ticket) {
  LLMC_RETURN_IF_ERROR(steps_.wait(ticket));
  std::vector<serving::SlotEvent> events;
  if (ticket.sampled)
    events = tokenRing_.take(ticket.updateIndex);
  steps_.retire(ticket);
  return events;
}

StatusOr<std::vector<LaunchRecord>>
DeviceModel::launchTimings(const StepTicket &ticket) const {
  if (!profiler_)
    return Status::error("launch timings need DeviceOptions::profileLaunches");
  LLMC_RETURN_IF_ERROR(steps_.checkCollected(ticket));
  return profiler_->timings(ticket.index);
}

StatusOr<std::vector<float>> DeviceModel::readLogits(const std::string &name) {
  const Phase *phase = manifest().findPhase(name);
  if (!phase || !phase->outputs.count("logits"))
    return Status::error("phase '" + name + "' has no logits output");
  LLMC_RETURN_IF_ERROR(stream_->synchronize());
  const KernelArg &logits = phase->outputs.at("logits");
  std::vector<float> values(logits.bytes / sizeof(float));
  LLMC_RETURN_IF_ERROR(
      arenas_.at(name).copyToHost(values.data(), logits.bytes, logits.offset));
  return values;
}

} // namespace llmc::gpu
