// The host side of the GPU executor that needs no device: whether an engine
// reports log-probabilities is read from its manifest, so an engine compiled
// before the Logprobs kernel is refused with a message instead of answering
// with empty log-probabilities.
#include "runtime/api/GpuExecutor.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

KernelArg named(ArgKind kind, const std::string &name) {
  KernelArg arg;
  arg.kind = kind;
  arg.name = name;
  return arg;
}

/// A sample phase with the sampler and the slot update, and the Logprobs
/// launch between them when `logprobs`.
Manifest withSamplePhase(bool logprobs) {
  Manifest manifest;
  Phase sample;
  sample.name = "sample";
  KernelLaunch draw, score, update;
  draw.kernel = "sample_tokens";
  draw.args = {named(ArgKind::Input, "logits"),
               named(ArgKind::Slot, "top_logprobs")};
  score.kernel = "sample_logprobs";
  score.args = {named(ArgKind::Input, "logits"),
                named(ArgKind::Input, "logprob_ring")};
  update.kernel = "sample_slot_update";
  update.args = {named(ArgKind::Input, "token_ring")};
  sample.launches = {draw};
  if (logprobs)
    sample.launches.push_back(score);
  sample.launches.push_back(update);
  manifest.phases.push_back(sample);
  return manifest;
}

TEST(GpuExecutor, ReportsLogprobsOnlyWhenTheSamplePhaseBindsTheLogprobRing) {
  EXPECT_TRUE(sampleComputesLogprobs(withSamplePhase(true)));
  EXPECT_FALSE(sampleComputesLogprobs(withSamplePhase(false)));
  EXPECT_FALSE(sampleComputesLogprobs(Manifest{}));
}

} // namespace
