#include "runtime/gpu/DeviceModel.h"

#include "runtime/gpu/DeviceWeights.h"

#include <algorithm>
#include <cstring>

namespace llmc::gpu {

namespace {

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Bytes one slot takes in slot array `name` (engine::kSlotArrays).
uint64_t slotStride(const std::string &name) {
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    if (name == array.name)
      return uint64_t(array.elementBytes) * uint64_t(array.perSlot);
  return 0;
}

/// The prefill inputs, in the order they sit in one device buffer; `rows`
/// arrays have one entry per token row, the others one per slot (+1).
struct PrefillField {
  const char *name;
  bool perRow;
  int64_t extra;
};
constexpr PrefillField kPrefillFields[] = {
    {"tokens", true, 0},        {"positions", true, 0},
    {"token_slots", true, 0},   {"seq_slots", false, 0},
    {"query_starts", false, 1}, {"start_positions", false, 0},
    {"logit_rows", false, 0},
};

} // namespace

/// Staging memory and timing events of one in-flight step.
struct DeviceModel::StepSlot {
  cuda::PinnedBuffer staging;
  std::size_t used = 0;
  std::optional<cuda::Event> start, end;
  bool pending = false;   ///< queued and not collected yet
  uint64_t stepIndex = 0; ///< the step that holds it
};

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
  prefillMaxRows_ = prefill_->maxRows;
  LLMC_RETURN_IF_ERROR(loadModules());
  LLMC_ASSIGN_OR_RETURN(weights_,
                        loadDeviceWeights(*driver_, engine_, options.threads));
  if (options.profileLaunches)
    profiler_.emplace(*driver_, size_t(ringRows_));
  return allocateBuffers(options);
}

Status DeviceModel::loadModules() {
  // cubins are built for an arch ("sm_90a") whose plain name must be the
  // device's ("sm_90"); otherwise the driver JIT-compiles the PTX. Launch
  // variants are guarded by the arch of the code that was loaded.
  const std::string deviceArch = properties_.arch();
  for (const KernelModule &module : manifest().modules) {
    std::optional<cuda::Module> loaded;
    for (const auto &[arch, file] : module.cubins) {
      std::string plain = arch;
      if (!plain.empty() && plain.back() == 'a')
        plain.pop_back();
      if (plain != deviceArch)
        continue;
      LLMC_ASSIGN_OR_RETURN(std::vector<char> cubin,
                            readEngineFile(engine_, file));
      LLMC_ASSIGN_OR_RETURN(
          cuda::Module m,
          cuda::Module::loadCubin(*driver_, cubin, engine_.path(file)));
      loaded.emplace(std::move(m));
      codeArch_ = arch;
      break;
    }
    if (!loaded) {
      if (module.ptx.empty())
        return Status::error("module " + module.name + " has no cubin for " +
                             deviceArch + " and no PTX");
      LLMC_ASSIGN_OR_RETURN(std::vector<char> ptx,
                            readEngineFile(engine_, module.ptx));
      LLMC_ASSIGN_OR_RETURN(
          cuda::Module m,
          cuda::Module::loadPtx(*driver_, std::string(ptx.begin(), ptx.end()),
                                engine_.path(module.ptx)));
      loaded.emplace(std::move(m));
      codeArch_ = module.ptxArch;
    }
    modules_.push_back(std::move(*loaded));
  }
  // The kernels this code can run: every launch's own, and the variants
  // whose guard admits the loaded arch (the others are not in its code).
  // Kernels launched with more than the default dynamic shared memory opt
  // in; the limit is a property of the function, so a kernel that several
  // launches run gets the largest they ask for.
  std::map<std::string, int64_t> sharedBytes;
  auto need = [&](const std::string &kernel, int64_t bytes) {
    int64_t &most = sharedBytes[kernel];
    most = std::max(most, bytes);
  };
  for (const Phase &phase : manifest().phases)
    for (const KernelLaunch &launch : phase.launches) {
      need(launch.kernel, launch.dynamicSharedBytes);
      for (const LaunchVariant &variant : launch.variants)
        if (variant.guard.archs.empty() ||
            std::find(variant.guard.archs.begin(), variant.guard.archs.end(),
                      codeArch_) != variant.guard.archs.end())
          need(variant.kernel, variant.dynamicSharedBytes);
    }
  for (const auto &[kernel, bytes] : sharedBytes) {
    const KernelModule *owner = nullptr;
    size_t index = 0;
    for (size_t i = 0; i < manifest().modules.size() && !owner; ++i)
      for (const KernelInfo &info : manifest().modules[i].kernels)
        if (info.name == kernel) {
          owner = &manifest().modules[i];
          index = i;
        }
    if (!owner)
      return Status::error("a phase launches " + kernel +
                           ", which no module defines");
    LLMC_ASSIGN_OR_RETURN(cuda::Function function,
                          modules_[index].function(kernel));
    if (bytes > 48 * 1024)
      LLMC_RETURN_IF_ERROR(function.setMaxDynamicSharedMemory(int(bytes)));
    functions_.emplace(kernel, function);
  }
  return Status::ok();
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

  // Slot arrays: every slot starts idle, with no position.
  uint64_t slotBytes = 0;
  std::map<std::string, uint64_t> slotOffsets;
  // The arrays sit in one device buffer in the ABI's order.
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays) {
    slotOffsets[array.name] = slotBytes;
    slotBytes =
        alignUp(slotBytes + uint64_t(array.elementBytes) *
                                uint64_t(array.perSlot) * uint64_t(slots),
                256);
  }
  LLMC_ASSIGN_OR_RETURN(slotArrays_,
                        DeviceBuffer::allocate(*driver_, slotBytes));
  LLMC_RETURN_IF_ERROR(slotArrays_.fill(0));
  std::vector<int32_t> idle(size_t(slots), int32_t(FinishReason::Idle));
  std::vector<int32_t> none(size_t(slots), -1);
  LLMC_RETURN_IF_ERROR(slotArrays_.copyFromHost(idle.data(), idle.size() * 4,
                                                slotOffsets["finished"]));
  LLMC_RETURN_IF_ERROR(slotArrays_.copyFromHost(none.data(), none.size() * 4,
                                                slotOffsets["positions"]));
  for (const auto &[name, offset] : slotOffsets)
    slotPointers_[name] = slotArrays_.pointer() + offset;

  const int64_t blocksPerSeq = m.kvCache.maxBlocksPerSeq;
  std::vector<int32_t> unmapped(size_t(slots * blocksPerSeq), -1);
  LLMC_ASSIGN_OR_RETURN(blockTables_,
                        DeviceBuffer::allocate(*driver_, unmapped.size() * 4));
  LLMC_RETURN_IF_ERROR(
      blockTables_.copyFromHost(unmapped.data(), unmapped.size() * 4));

  uint64_t prefillBytes = 0;
  for (const PrefillField &field : kPrefillFields) {
    prefillPointers_[field.name] = prefillBytes; // offset for now
    const int64_t count =
        (field.perRow ? prefillMaxRows_ : slots) + field.extra;
    prefillBytes = alignUp(prefillBytes + uint64_t(count) * 4, 256);
  }
  LLMC_ASSIGN_OR_RETURN(prefillInputs_,
                        DeviceBuffer::allocate(*driver_, prefillBytes));
  for (auto &[name, pointer] : prefillPointers_)
    pointer += prefillInputs_.pointer();

  LLMC_ASSIGN_OR_RETURN(stepCounter_, DeviceBuffer::allocate(*driver_, 8));
  LLMC_RETURN_IF_ERROR(stepCounter_.fill(0));
  LLMC_ASSIGN_OR_RETURN(tokenRing_, cuda::PinnedBuffer::allocate(
                                        *driver_,
                                        size_t(ringRows_) * size_t(slots) *
                                            sizeof(engine::TokenRingEntry),
                                        CU_MEMHOSTALLOC_DEVICEMAP));
  auto *entries = static_cast<engine::TokenRingEntry *>(tokenRing_.data());
  for (size_t i = 0; i < size_t(ringRows_) * size_t(slots); ++i)
    entries[i] = engine::TokenRingEntry{-1, 0};
  LLMC_ASSIGN_OR_RETURN(logprobRing_, cuda::PinnedBuffer::allocate(
                                          *driver_,
                                          size_t(ringRows_) * size_t(slots) *
                                              sizeof(engine::LogprobRingEntry),
                                          CU_MEMHOSTALLOC_DEVICEMAP));
  auto *scored = static_cast<engine::LogprobRingEntry *>(logprobRing_.data());
  for (size_t i = 0; i < size_t(ringRows_) * size_t(slots); ++i)
    scored[i].count = -1;

  // Per-step staging: a prefill's inputs, every slot's admission and every
  // block-table entry, each at most once per step.
  const std::size_t stagingBytes =
      prefillBytes + size_t(slots) * (slotBytes / size_t(slots) + 512) +
      size_t(slots * blocksPerSeq) * 4 + 4096;
  for (int i = 0; i < ringRows_; ++i) {
    auto step = std::make_unique<StepSlot>();
    LLMC_ASSIGN_OR_RETURN(step->staging,
                          cuda::PinnedBuffer::allocate(*driver_, stagingBytes));
    LLMC_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::create(*driver_));
    LLMC_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::create(*driver_));
    step->start.emplace(std::move(start));
    step->end.emplace(std::move(end));
    steps_.push_back(std::move(step));
  }

  // The KV pools take what the share of device memory leaves.
  LLMC_ASSIGN_OR_RETURN(cuda::DeviceMemoryInfo memory,
                        cuda::queryMemoryInfo(*driver_));
  const double budget = options.gpuMemoryFraction * double(memory.totalBytes);
  const double used = double(memory.totalBytes - memory.freeBytes);
  const uint64_t perBlock =
      2 * uint64_t(m.kvCache.numLayers) * m.kvCache.blockBytes();
  int64_t blocks =
      budget > used ? int64_t((budget - used) / double(perBlock)) : 0;
  // More than every slot at full context can never be used.
  blocks = std::min(blocks, slots * blocksPerSeq);
  if (options.maxKvBlocks > 0)
    blocks = std::min(blocks, options.maxKvBlocks);
  if (blocks < 1)
    return Status::error(
        "no device memory is left for the KV cache: the weights and buffers "
        "take " +
        std::to_string(uint64_t(used) >> 20) + " MiB of the " +
        std::to_string(uint64_t(budget) >> 20) +
        " MiB allowed (raise --gpu-memory-fraction)");
  numKvBlocks_ = blocks;
  const uint64_t poolBytes =
      uint64_t(blocks) * uint64_t(m.kvCache.numLayers) * m.kvCache.blockBytes();
  LLMC_ASSIGN_OR_RETURN(keyPool_, DeviceBuffer::allocate(*driver_, poolBytes));
  LLMC_ASSIGN_OR_RETURN(valuePool_,
                        DeviceBuffer::allocate(*driver_, poolBytes));
  LLMC_RETURN_IF_ERROR(keyPool_.fill(0));
  LLMC_RETURN_IF_ERROR(valuePool_.fill(0));
  return Status::ok();
}

BindingTargets DeviceModel::targetsFor(const Phase &phase,
                                       CUdeviceptr arenaBase) const {
  BindingTargets t;
  t.arena = arenaBase;
  t.arenaBytes = phase.arenaBytes;
  t.weights = weights_.pointer();
  t.weightLayout = &manifest().weights;
  t.keyPool = keyPool_.pointer();
  t.valuePool = valuePool_.pointer();
  t.layerStride = uint64_t(numKvBlocks_) * manifest().kvCache.blockBytes();
  t.numLayers = manifest().kvCache.numLayers;
  t.slots = slotPointers_;
  for (const auto &[name, buffer] : constants_)
    t.constants[name] = buffer.pointer();
  t.inputs["block_tables"] = blockTables_.pointer();
  t.inputs["token_ring"] = CUdeviceptr(tokenRing_.data());
  t.inputs["logprob_ring"] = CUdeviceptr(logprobRing_.data());
  t.inputs["step_counter"] = stepCounter_.pointer();
  return t;
}

StatusOr<DeviceModel::StepSlot *> DeviceModel::nextStep() {
  StepSlot &step = *steps_[stepsQueued_ % steps_.size()];
  if (step.pending)
    return Status::error("step " + std::to_string(step.stepIndex) +
                         " is still uncollected; at most " +
                         std::to_string(steps_.size()) +
                         " steps may be in flight");
  return &step;
}

Status DeviceModel::copyStaged(const void *host, std::size_t bytes,
                               CUdeviceptr target) {
  LLMC_ASSIGN_OR_RETURN(StepSlot * step, nextStep());
  // Copies are 16-byte aligned in the staging area.
  const std::size_t offset = alignUp(step->used, 16);
  if (offset + bytes > step->staging.size())
    return Status::error("the step's staging area is full");
  char *staged = static_cast<char *>(step->staging.data()) + offset;
  std::memcpy(staged, host, bytes);
  step->used = offset + bytes;
  ++hostToDeviceCopies_;
  return driver_->check(
      driver_->cuMemcpyHtoDAsync(target, staged, bytes, stream_->handle()),
      "cuMemcpyHtoDAsync");
}

Status DeviceModel::checkSlot(int slot) const {
  if (slot < 0 || slot >= maxSlots())
    return Status::error("slot " + std::to_string(slot) + " is outside 0.." +
                         std::to_string(maxSlots() - 1));
  return Status::ok();
}

Status DeviceModel::setWord(CUdeviceptr target, int32_t value) {
  ++wordWrites_;
  return driver_->check(
      driver_->cuMemsetD32Async(target, uint32_t(value), 1, stream_->handle()),
      "cuMemsetD32Async");
}

Status DeviceModel::admit(int slot, const SlotInit &init) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  auto put = [&](const char *field, const void *value, std::size_t bytes) {
    return copyStaged(value, bytes,
                      slotPointers_[field] + size_t(slot) * slotStride(field));
  };
  const int32_t zero = 0, none = -1;
  LLMC_RETURN_IF_ERROR(put("positions", &none, 4));
  LLMC_RETURN_IF_ERROR(put("generated", &init.generated, 4));
  LLMC_RETURN_IF_ERROR(put("finished", &zero, 4));
  LLMC_RETURN_IF_ERROR(put("max_new_tokens", &init.maxNewTokens, 4));
  LLMC_RETURN_IF_ERROR(put("stop_ids", init.stopIds.data(), kMaxStopIds * 4));
  LLMC_RETURN_IF_ERROR(put("eos_ids", &init.eosId, 4));
  LLMC_RETURN_IF_ERROR(put("context_limits", &init.contextLimit, 4));
  LLMC_RETURN_IF_ERROR(put("temperatures", &init.temperature, 4));
  LLMC_RETURN_IF_ERROR(put("top_ks", &init.topK, 4));
  LLMC_RETURN_IF_ERROR(put("top_ps", &init.topP, 4));
  LLMC_RETURN_IF_ERROR(put("top_logprobs", &init.topLogprobs, 4));
  return put("seeds", &init.seed, 8);
}

Status DeviceModel::release(int slot) {
  LLMC_RETURN_IF_ERROR(checkSlot(slot));
  LLMC_RETURN_IF_ERROR(setWord(slotPointers_["finished"] + 4 * slot,
                               int32_t(FinishReason::Idle)));
  return setWord(slotPointers_["positions"] + 4 * slot, -1);
}

Status
DeviceModel::updateBlockTables(const std::vector<BlockTableEntry> &entries) {
  const int64_t perSeq = manifest().kvCache.maxBlocksPerSeq;
  for (const BlockTableEntry &e : entries) {
    if (e.slot < 0 || e.slot >= maxSlots() || e.index < 0 ||
        e.index >= perSeq || e.block >= numKvBlocks_)
      return Status::error("block-table entry (slot " + std::to_string(e.slot) +
                           ", index " + std::to_string(e.index) + ", block " +
                           std::to_string(e.block) + ") is out of range");
    LLMC_RETURN_IF_ERROR(setWord(blockTables_.pointer() +
                                     4 * uint64_t(e.slot * perSeq + e.index),
                                 e.block));
  }
  return Status::ok();
}

StatusOr<StepTicket> DeviceModel::beginStep() {
  LLMC_ASSIGN_OR_RETURN(StepSlot * step, nextStep());
  LLMC_RETURN_IF_ERROR(step->start->record(*stream_));
  StepTicket ticket;
  ticket.index = stepsQueued_;
  return ticket;
}

Status DeviceModel::endStep(StepTicket &ticket) {
  StepSlot &step = *steps_[ticket.index % steps_.size()];
  LLMC_RETURN_IF_ERROR(step.end->record(*stream_));
  step.pending = true;
  step.stepIndex = ticket.index;
  ++stepsQueued_;
  return Status::ok();
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
  return bindPhase(*sample_, functions_, codeArch_, targets, sizes);
}

StatusOr<DeviceModel::DecodeLaunches>
DeviceModel::bindDecode(int64_t rows) const {
  BindingTargets targets = targetsFor(*decode_, arenas_.at("decode").pointer());
  targets.inputs["tokens"] = slotPointers_.at("tokens");
  targets.inputs["positions"] = slotPointers_.at("positions");
  PhaseSizes sizes;
  sizes.launch.rows = rows;
  sizes.ringRows = ringRows_;
  DecodeLaunches bound;
  LLMC_ASSIGN_OR_RETURN(bound.forward, bindPhase(*decode_, functions_,
                                                 codeArch_, targets, sizes));
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
DeviceModel::enqueuePrefill(const std::vector<PrefillChunk> &chunks) {
  const int64_t slots = maxSlots();
  if (chunks.empty() || int64_t(chunks.size()) > slots)
    return Status::error("a prefill takes 1.." + std::to_string(slots) +
                         " chunks, not " + std::to_string(chunks.size()));
  // Host image of the prefill inputs, laid out like prefillInputs_.
  std::map<std::string, std::vector<int32_t>> fields;
  int64_t rows = 0, maxChunkRows = 0;
  std::vector<int32_t> &queryStarts = fields["query_starts"];
  std::vector<int32_t> logitRows(size_t(slots), -1);
  queryStarts.push_back(0);
  for (const PrefillChunk &chunk : chunks) {
    if (chunk.slot < 0 || chunk.slot >= slots || chunk.tokens.empty())
      return Status::error("a prefill chunk needs a slot in 0.." +
                           std::to_string(slots - 1) + " and tokens");
    for (size_t i = 0; i < chunk.tokens.size(); ++i) {
      fields["tokens"].push_back(chunk.tokens[i]);
      fields["positions"].push_back(int32_t(chunk.startPosition + int64_t(i)));
      fields["token_slots"].push_back(chunk.slot);
    }
    rows += int64_t(chunk.tokens.size());
    maxChunkRows = std::max(maxChunkRows, int64_t(chunk.tokens.size()));
    fields["seq_slots"].push_back(chunk.slot);
    fields["start_positions"].push_back(int32_t(chunk.startPosition));
    queryStarts.push_back(int32_t(rows));
    if (chunk.last)
      logitRows[size_t(chunk.slot)] = int32_t(rows - 1);
  }
  if (rows > prefillMaxRows_)
    return Status::error("a prefill of " + std::to_string(rows) +
                         " tokens exceeds the engine's " +
                         std::to_string(prefillMaxRows_) + " per step");
  fields["logit_rows"] = logitRows;
  for (const auto &[name, values] : fields)
    LLMC_RETURN_IF_ERROR(copyStaged(values.data(), values.size() * 4,
                                    prefillPointers_.at(name)));

  LLMC_ASSIGN_OR_RETURN(StepTicket ticket, beginStep());
  BindingTargets targets =
      targetsFor(*prefill_, arenas_.at("prefill").pointer());
  for (const auto &[name, pointer] : prefillPointers_)
    targets.inputs[name] = pointer;
  PhaseSizes sizes;
  sizes.launch = LaunchSizes{rows, int64_t(chunks.size()), maxChunkRows};
  sizes.ringRows = ringRows_;
  LLMC_ASSIGN_OR_RETURN(
      BoundPhase forward,
      bindPhase(*prefill_, functions_, codeArch_, targets, sizes));
  LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *prefill_, forward, rows));

  bool anyLast = false;
  for (const PrefillChunk &chunk : chunks) {
    if (!chunk.last)
      continue;
    anyLast = true;
    // The sample and update that follow are the decode ones (SlotState.cuh).
    const int32_t last =
        int32_t(chunk.startPosition + int64_t(chunk.tokens.size()) - 1);
    LLMC_RETURN_IF_ERROR(
        setWord(slotPointers_["positions"] + 4 * chunk.slot, last));
  }
  if (anyLast) {
    const KernelArg &logits = prefill_->outputs.at("logits");
    LLMC_ASSIGN_OR_RETURN(
        BoundPhase sample,
        bindSample(arenas_.at("prefill").pointer() + logits.offset,
                   prefillPointers_.at("logit_rows"), slots));
    LLMC_RETURN_IF_ERROR(enqueuePhase(ticket, *sample_, sample, slots));
    ticket.sampled = true;
    ticket.updateIndex = updatesQueued_++;
  }
  LLMC_RETURN_IF_ERROR(endStep(ticket));
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
    LLMC_ASSIGN_OR_RETURN(graph, decodeGraph(rows));
  }
  LLMC_ASSIGN_OR_RETURN(StepTicket ticket, beginStep());
  LLMC_RETURN_IF_ERROR(graph ? graph->launch(*stream_)
                             : enqueueDecodeLaunches(ticket, rows));
  ticket.sampled = true;
  ticket.updateIndex = updatesQueued_++;
  LLMC_RETURN_IF_ERROR(endStep(ticket));
  return ticket;
}

StatusOr<const cuda::GraphExec *> DeviceModel::decodeGraph(int64_t rows) {
  auto graph = decodeGraphs_.find(rows);
  if (graph == decodeGraphs_.end()) {
    LLMC_ASSIGN_OR_RETURN(DecodeLaunches bound, bindDecode(rows));
    LLMC_ASSIGN_OR_RETURN(
        cuda::Graph captured, cuda::Graph::capture(*stream_, [&]() -> Status {
          LLMC_RETURN_IF_ERROR(bound.forward.enqueue(*stream_));
          return bound.sample.enqueue(*stream_);
        }));
    LLMC_ASSIGN_OR_RETURN(cuda::GraphExec exec,
                          cuda::GraphExec::instantiate(captured));
    graph = decodeGraphs_.emplace(rows, std::move(exec)).first;
  }
  return &graph->second;
}

Status DeviceModel::enqueueDecodeLaunches(const StepTicket &ticket,
                                          int64_t rows) {
  auto bound = decodeLaunches_.find(rows);
  if (bound == decodeLaunches_.end()) {
    LLMC_ASSIGN_OR_RETURN(DecodeLaunches launches, bindDecode(rows));
    bound = decodeLaunches_.emplace(rows, std::move(launches)).first;
  }
  LLMC_RETURN_IF_ERROR(
      enqueuePhase(ticket, *decode_, bound->second.forward, rows));
  return enqueuePhase(ticket, *sample_, bound->second.sample, rows);
}

StatusOr<std::vector<SlotToken>>
DeviceModel::collect(const StepTicket &ticket) {
  StepSlot &step = *steps_[ticket.index % steps_.size()];
  if (!step.pending || step.stepIndex != ticket.index)
    return Status::error("step " + std::to_string(ticket.index) +
                         " was already collected");
  LLMC_RETURN_IF_ERROR(step.end->synchronize());
  std::vector<SlotToken> tokens;
  if (ticket.sampled) {
    const int64_t slots = maxSlots();
    const uint64_t first =
        (ticket.updateIndex % uint64_t(ringRows_)) * uint64_t(slots);
    auto *row =
        static_cast<engine::TokenRingEntry *>(tokenRing_.data()) + first;
    auto *scoredRow =
        static_cast<engine::LogprobRingEntry *>(logprobRing_.data()) + first;
    for (int64_t s = 0; s < slots; ++s) {
      volatile engine::TokenRingEntry *entry = row + s;
      if (entry->token < 0)
        continue;
      SlotToken &token = tokens.emplace_back();
      token.slot = int(s);
      token.token = entry->token;
      token.reason = FinishReason(entry->finishReason);
      entry->token = -1;
      // The Logprobs kernel wrote this slot's entry of the same row if its
      // request asked for log-probabilities.
      volatile engine::LogprobRingEntry *scored = scoredRow + s;
      if (scored->count < 0)
        continue;
      token.logprob = scored->logprob;
      for (int i = 0; i < std::min(int(scored->count), engine::kMaxTopLogprobs);
           ++i)
        token.topLogprobs.emplace_back(scored->ids[i], scored->logprobs[i]);
      scored->count = -1;
    }
  }
  step.pending = false;
  step.used = 0;
  return tokens;
}

StatusOr<float> DeviceModel::gpuMilliseconds(const StepTicket &ticket) const {
  const StepSlot &step = *steps_[ticket.index % steps_.size()];
  return cuda::Event::elapsedMs(*step.start, *step.end);
}

StatusOr<float>
DeviceModel::gapBeforeMilliseconds(const StepTicket &ticket) const {
  if (ticket.index == 0)
    return Status::error("the first step has no step before it");
  // The previous step's events are reused only steps_.size() steps later.
  const StepSlot &previous = *steps_[(ticket.index - 1) % steps_.size()];
  const StepSlot &current = *steps_[ticket.index % steps_.size()];
  return cuda::Event::elapsedMs(*previous.end, *current.start);
}

StatusOr<std::vector<LaunchTiming>>
DeviceModel::launchTimings(const StepTicket &ticket) const {
  if (!profiler_)
    return Status::error("launch timings need DeviceOptions::profileLaunches");
  const StepSlot &step = *steps_[ticket.index % steps_.size()];
  if (step.pending || step.stepIndex != ticket.index)
    return Status::error("step " + std::to_string(ticket.index) +
                         " has not been collected");
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
