// The kernels that close a step (Sampling.cuh, Logprobs.cuh, SlotState.cuh):
// sampling a token per slot, the log-probabilities of the slots that ask for
// them, and the slot update. Their definitions, selection and costs.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"
#include "runtime/engine/EngineAbi.h"

namespace llmc {

using namespace selection;

namespace {

/// A 256-thread block per slot over the slot's logits row: the shape of the
/// sampler and of the log-probabilities.
StatusOr<KernelChoice> vocabularyRowKernel(const char *templateName,
                                           int64_t vocab,
                                           const KernelOptions &options) {
  if (vocab <= 0)
    return Status::error("vocabulary size must be positive, got " + str(vocab));
  KernelChoice choice;
  choice.templateName = templateName;
  choice.params = {{"Vocab", vocab}, {"Threads", 256}};
  choice.grid = {str(options.maxSlots), "1", "1"};
  choice.blockThreads = 256;
  choice.constants = {{"num_slots", options.maxSlots}};
  return choice;
}

} // namespace

StatusOr<KernelChoice> selectSampling(int64_t vocab,
                                      const KernelOptions &options) {
  LLMC_ASSIGN_OR_RETURN(KernelChoice choice,
                        vocabularyRowKernel("Sampling", vocab, options));
  // Its passes over a row hit L2 after the first read from memory; the
  // work is comparisons and selects more than flops.
  choice.cost.bytes.perRow = double(vocab) * kF32Bytes;
  return choice;
}

/// No cost terms: a slot that asks for no log-probabilities (the common
/// case, and every benchmark's) returns at once; one that asks reads its
/// row like the sampler, from L2.
StatusOr<KernelChoice> selectLogprobs(int64_t vocab,
                                      const KernelOptions &options) {
  return vocabularyRowKernel("Logprobs", vocab, options);
}

StatusOr<KernelChoice> selectSlotUpdate(const KernelOptions &options) {
  KernelChoice choice;
  choice.templateName = "SlotUpdate";
  choice.params = {{"Threads", 128}};
  choice.grid = {"1", "1", "1"};
  choice.blockThreads = 128;
  choice.constants = {{"num_slots", options.maxSlots}};
  // Per slot: 12 ints read (state, stop ids, sampled token, mask), 4
  // written, and one 8-byte ring entry.
  choice.cost.bytes.perRow = 12 * 4 + 4 * 4 + 8;
  return choice;
}

} // namespace llmc

namespace llmc::codegen {

namespace {

/// The SlotState arrays (EngineAbi.h) in the order the kernels take them.
void appendSlotArrays(std::vector<WrapperParam> &params) {
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays) {
    const std::string type =
        (array.writable ? "" : "const ") + std::string(array.type) + " *";
    params.push_back(slot(type.c_str(), array.name));
  }
}

/// `state`, a SlotState, filled from the slot_* parameters.
void emitSlotState(const LaunchSpec &launch, CudaWriter &out) {
  out.line("SlotState state;");
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    out.line("state.", array.field, " = slot_", array.name, ";");
  out.line("state.numSlots = ", launch.constants.at("num_slots").integer, ";");
}

std::vector<WrapperParam> samplingParameters(const Wrapper &) {
  std::vector<WrapperParam> params = {
      input("const float *", "logits", "logits")};
  appendSlotArrays(params);
  params.push_back(
      input("const int *", "slot_mask", "slot_mask", /*nullable=*/true));
  params.push_back(arena("int *", "sampled"));
  return params;
}
void samplingBody(const Wrapper &w, CudaWriter &out) {
  emitSlotState(*w.launch, out);
  out.line("Kernel::run(logits, state, slot_mask, sampled);");
}

std::vector<WrapperParam> logprobsParameters(const Wrapper &) {
  std::vector<WrapperParam> params = {
      input("const float *", "logits", "logits")};
  appendSlotArrays(params);
  params.push_back(
      input("const int *", "slot_mask", "slot_mask", /*nullable=*/true));
  params.push_back(arena("const int *", "sampled"));
  params.push_back(input("LogprobRingEntry *", "logprob_ring", "logprob_ring"));
  params.push_back(input("const unsigned *", "step_counter", "step_counter"));
  params.push_back(scalar("ring_rows"));
  return params;
}
void logprobsBody(const Wrapper &w, CudaWriter &out) {
  emitSlotState(*w.launch, out);
  out.line("Kernel::run(logits, state, slot_mask, sampled, logprob_ring, "
           "ring_rows, step_counter);");
}

std::vector<WrapperParam> slotUpdateParameters(const Wrapper &) {
  std::vector<WrapperParam> params;
  appendSlotArrays(params);
  params.push_back(arena("const int *", "sampled"));
  params.push_back(
      input("const int *", "slot_mask", "slot_mask", /*nullable=*/true));
  params.push_back(input("TokenRingEntry *", "token_ring", "token_ring"));
  params.push_back(input("unsigned *", "step_counter", "step_counter"));
  params.push_back(scalar("ring_rows"));
  return params;
}
void slotUpdateBody(const Wrapper &w, CudaWriter &out) {
  emitSlotState(*w.launch, out);
  out.line("Kernel::run(state, slot_mask, sampled, token_ring, ring_rows, "
           "step_counter);");
}

} // namespace

std::vector<KernelDef> stepKernelDefs() {
  return {
      {"Sampling",
       "SamplingKernel",
       "Sampling.cuh",
       {"Vocab", "Threads"},
       {"num_slots"},
       false,
       samplingParameters,
       nullptr,
       samplingBody,
       /*minBlocksPerSm=*/1},
      {"Logprobs",
       "LogprobsKernel",
       "Logprobs.cuh",
       {"Vocab", "Threads"},
       {"num_slots"},
       false,
       logprobsParameters,
       nullptr,
       logprobsBody,
       /*minBlocksPerSm=*/1},
      {"SlotUpdate",
       "SlotUpdateKernel",
       "SlotState.cuh",
       {"Threads"},
       {"num_slots"},
       false,
       slotUpdateParameters,
       nullptr,
       slotUpdateBody},
  };
}

} // namespace llmc::codegen
