// The roofline estimate of a workload: prefill steps, decode steps, memory.
#include "runtime/estimate/Estimate.h"

#include <algorithm>

namespace llmc {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

/// Sum of (p + 1) for p in [first, end): the positions rows at positions
/// first .. end - 1 attend to under causal attention.
double causalContextSum(int64_t first, int64_t end) {
  return (double(end) * double(end + 1) - double(first) * double(first + 1)) /
         2.0;
}

Status checkWorkload(const EngineCosts &costs, const Workload &w) {
  LLMC_RETURN_IF_ERROR(w.validate());
  if (w.batch > costs.maxSlots)
    return Status::error("batch " + str(w.batch) + " exceeds the " +
                         str(costs.maxSlots) + " slots of " + costs.source);
  if (w.prompt + w.output > costs.maxSeqLen)
    return Status::error("prompt " + str(w.prompt) + " + output " +
                         str(w.output) + " exceeds the context of " +
                         str(costs.maxSeqLen) + " positions of " +
                         costs.source);
  if (costs.prefill.maxRows < 1)
    return Status::error(costs.source + ": the prefill phase takes no rows");
  return Status::ok();
}

} // namespace

Status Workload::validate() const {
  if (batch < 1 || prompt < 1 || output < 1)
    return Status::error("batch, prompt and output must be at least 1, got "
                         "batch " +
                         str(batch) + ", prompt " + str(prompt) + ", output " +
                         str(output));
  return Status::ok();
}

std::vector<PrefillStep> planPrefillSteps(int64_t batch, int64_t prompt,
                                          int64_t budget) {
  std::vector<PrefillStep> steps;
  PrefillStep current;
  for (int64_t request = 0; request < batch; ++request) {
    int64_t position = 0;
    while (position < prompt) {
      const int64_t take = std::min(prompt - position, budget - current.rows);
      current.rows += take;
      current.contextSum += causalContextSum(position, position + take);
      position += take;
      if (position == prompt)
        ++current.promptsEnding;
      if (current.rows == budget) {
        steps.push_back(current);
        current = PrefillStep();
      }
    }
  }
  if (current.rows > 0)
    steps.push_back(current);
  return steps;
}

StatusOr<Estimate> estimate(const EngineCosts &costs, const Workload &workload,
                            const RooflineParams &params) {
  LLMC_RETURN_IF_ERROR(params.device.validate());
  LLMC_RETURN_IF_ERROR(checkWorkload(costs, workload));
  Estimate e;
  e.workload = workload;
  e.roofline = params;

  // Prefill: each step's cost at its rows and mean context is the exact sum
  // over its rows, the terms being linear in rows * context.
  const std::vector<PrefillStep> steps =
      planPrefillSteps(workload.batch, workload.prompt, costs.prefill.maxRows);
  e.prefillSteps = int64_t(steps.size());
  double ttftSum = 0;
  for (const PrefillStep &step : steps) {
    e.prefill += phaseTime(costs.prefill, double(step.rows),
                           step.contextSum / double(step.rows), params);
    if (step.promptsEnding > 0) {
      e.prefill += phaseTime(costs.sample, double(costs.maxSlots), 0, params);
      ttftSum += double(step.promptsEnding) * e.prefill.seconds;
    }
  }
  e.ttftSeconds = ttftSum / double(workload.batch);
  e.ttftLastSeconds = e.prefill.seconds;

  // Decode: step j feeds token j at position prompt + j - 1.
  const double batch = double(workload.batch);
  auto decodeStepAt = [&](double context) {
    RooflineTime t = phaseTime(costs.decode, batch, context, params);
    t += phaseTime(costs.sample, batch, 0, params);
    return t;
  };
  e.decodeContext = double(workload.prompt) + double(workload.output) / 2.0;
  if (workload.output > 1) {
    e.decodeStep = decodeStepAt(e.decodeContext);
    e.tpotSeconds = e.decodeStep.seconds;
    e.decodeTokensPerSecond = batch / e.tpotSeconds;
    for (int64_t j = 1; j < workload.output; ++j)
      e.decodeSeconds += decodeStepAt(double(workload.prompt + j)).seconds;
  }
  e.e2eSeconds = e.ttftLastSeconds + e.decodeSeconds;

  // Memory: the last generated token is never fed, so a request writes
  // prompt + output - 1 positions.
  const int64_t positions = workload.prompt + workload.output - 1;
  const int64_t blocks =
      (positions + costs.kvBlockSize - 1) / costs.kvBlockSize;
  e.memory.weightBytes = costs.weightBytes;
  e.memory.kvTokens = workload.batch * blocks * costs.kvBlockSize;
  e.memory.kvBytes = uint64_t(e.memory.kvTokens) * costs.kvBytesPerToken();
  e.memory.arenaBytes = costs.arenaBytes();
  return e;
}

} // namespace llmc
