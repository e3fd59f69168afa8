// GpuExecutor: the StepExecutor of an engine on a GPU, a thin adapter over
// gpu::DeviceModel. A plan becomes device slot inits, block-table memsets and
// one decode and/or one prefill ticket; collecting a step reads its tickets'
// token-ring entries, GPU times, gaps and (when profiling) launch timings.
//
// createGpuEngine loads an engine directory and starts an Engine on it.
#pragma once

#include "runtime/api/Engine.h"
#include "runtime/api/StepExecutor.h"
#include "runtime/gpu/DeviceModel.h"

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace llmc {

struct EngineOptions {
  /// device.profileLaunches turns on per-launch timing (launchProfile()).
  gpu::DeviceOptions device;
  serving::BatchingMode mode = serving::BatchingMode::Continuous;
  /// Token rows per step, prefill and decode together (0: the engine's
  /// prefill arena, which bounds it).
  int32_t maxStepTokens = 0;
  /// Requests share the cached KV blocks of a common prompt prefix.
  bool prefixCaching = true;
};

class GpuExecutor : public StepExecutor {
public:
  static StatusOr<std::unique_ptr<GpuExecutor>>
  load(const std::string &engineDirectory, const gpu::DeviceOptions &options);

  const gpu::DeviceModel &device() const { return *device_; }
  const Manifest &manifest() const { return device_->manifest(); }

  ExecutorLimits limits() const override;
  const ModelConfig &config() const override {
    return device_->manifest().config;
  }
  std::string deviceName() const override { return device_->device().name; }
  /// sampleComputesLogprobs of the engine.
  bool reportsLogprobs() const override { return reportsLogprobs_; }
  /// Step N + 1 is queued while the GPU runs step N.
  int maxInFlight() const override { return 2; }
  Status bindToThisThread() override { return device_->bindToThisThread(); }
  Status launch(const serving::StepPlan &plan) override;
  StatusOr<StepResult> collect() override;
  uint64_t hostToDeviceCopies() const override {
    return device_->hostToDeviceCopies();
  }

private:
  struct InFlightStep;
  explicit GpuExecutor(std::unique_ptr<gpu::DeviceModel> device);

  std::unique_ptr<gpu::DeviceModel> device_;
  std::deque<InFlightStep> inFlight_;
  std::optional<int64_t> lastTicket_;
  bool reportsLogprobs_ = false;
};

/// Whether an engine's @sample phase computes log-probabilities: its
/// Logprobs launch is the one that binds the logprob ring (engines compiled
/// before that kernel have none).
bool sampleComputesLogprobs(const Manifest &manifest);

/// Loads `engineDirectory` onto the GPU and starts an Engine on it.
StatusOr<std::unique_ptr<Engine>>
createGpuEngine(const std::string &engineDirectory,
                const EngineOptions &options = {});

/// The GPU executor of an engine made by createGpuEngine.
const GpuExecutor &gpuExecutor(const Engine &engine);

} // namespace llmc
