// The benchmark workloads over the Engine API.
#include "tools/llm-bench/Workloads.h"

#include "runtime/estimate/Estimate.h"
#include "runtime/estimate/EstimateReport.h"
#include "tools/llm-bench/EngineRunner.h"
#include "tools/llm-bench/RequestFactory.h"

#include <algorithm>

namespace llmc::bench {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

std::string shapeLabel(int64_t prompt, int64_t output) {
  return "prompt " + str(prompt) + " / output " + str(output);
}

} // namespace

const std::vector<std::string> &workloadNames() {
  static const std::vector<std::string> names = {
      "latency",    "ttft", "decode", "grid", "static-vs-continuous",
      "concurrency"};
  return names;
}

BenchSession::BenchSession(BenchSettings settings, EngineCosts costs,
                           CeilingsSource ceilings)
    : settings_(std::move(settings)), costs_(std::move(costs)),
      ceilingsSource_(std::move(ceilings)) {}

Status BenchSession::checkFits(int64_t prompt, int64_t output) const {
  if (prompt < 1 || output < 1)
    return Status::error("prompt and output must be at least 1 token, got " +
                         str(prompt) + " and " + str(output));
  if (prompt + output > costs_.maxSeqLen)
    return Status::error("prompt " + str(prompt) + " + output " + str(output) +
                         " exceeds the context of " + str(costs_.maxSeqLen) +
                         " positions of " + settings_.engineDirectory);
  return Status::ok();
}

StatusOr<Engine *> BenchSession::engine(serving::BatchingMode mode,
                                        int64_t prompt) {
  if (engine_ && engineMode_ == mode)
    return engine_.get();
  engine_.reset(); // one engine on the device at a time
  if (ceilingsSource_) {
    // Measured on an idle device, before any engine holds its memory.
    LLMC_ASSIGN_OR_RETURN(ceilings_, ceilingsSource_());
    ceilingsSource_ = nullptr;
  }
  EngineOptions options = settings_.engineOptions;
  options.mode = mode;
  LLMC_ASSIGN_OR_RETURN(engine_,
                        createGpuEngine(settings_.engineDirectory, options));
  engineMode_ = mode;
  if (settings_.warmup > 0) {
    // Short requests of the workload's prompt length: every kernel, the
    // decode graphs and the allocator get their first use out of the way.
    RequestFactory factory(settings_.seed ^ 0x5741524D, // "WARM"
                           int32_t(costs_.config.vocabSize));
    const int64_t output = std::min<int64_t>(16, costs_.maxSeqLen - prompt);
    std::vector<serving::Request> warmup;
    for (int64_t i = 0; i < settings_.warmup; ++i)
      warmup.push_back(factory.request(int32_t(prompt), int32_t(output)));
    LLMC_RETURN_IF_ERROR(
        run(*engine_, std::move(warmup),
            std::min<int64_t>(settings_.warmup, costs_.maxSlots), "warm-up")
            .status());
  }
  return engine_.get();
}

StatusOr<RunRecord> BenchSession::run(Engine &engine,
                                      std::vector<serving::Request> requests,
                                      int64_t concurrency,
                                      const std::string &label) {
  Progress progress(label, int64_t(requests.size()), settings_.progress);
  return runRequests(engine, std::move(requests), concurrency, progress);
}

StatusOr<BenchResult>
BenchSession::runUniform(RequestFactory &factory, const std::string &workload,
                         std::string label, int64_t prompt, int64_t output,
                         int64_t count, int64_t concurrency,
                         const std::string &progressLabel) {
  LLMC_ASSIGN_OR_RETURN(Engine * e,
                        engine(serving::BatchingMode::Continuous, prompt));
  std::vector<serving::Request> requests;
  for (int64_t i = 0; i < count; ++i)
    requests.push_back(factory.request(int32_t(prompt), int32_t(output)));
  BenchResult result;
  result.workload = workload;
  result.label = std::move(label);
  result.batch = std::min(concurrency, costs_.maxSlots);
  result.prompt = prompt;
  result.output = output;
  result.concurrency = concurrency;
  LLMC_ASSIGN_OR_RETURN(
      result.run, run(*e, std::move(requests), concurrency, progressLabel));
  LLMC_ASSIGN_OR_RETURN(result.profile, profileOf(*e));
  return result;
}

StatusOr<std::optional<KernelProfile>>
BenchSession::profileOf(const Engine &engine) const {
  if (!settings_.engineOptions.device.profileLaunches)
    return std::optional<KernelProfile>();
  LLMC_ASSIGN_OR_RETURN(
      KernelProfile profile,
      profileKernels(engine.launchProfile(), costs_, ceilings_));
  return std::optional<KernelProfile>(std::move(profile));
}

std::optional<Estimate> BenchSession::predict(BenchResult &result) const {
  if (!ceilings_ || result.batch > costs_.maxSlots)
    return std::nullopt;
  RooflineParams params;
  params.device = *ceilings_;
  Workload w;
  w.batch = result.batch;
  w.prompt = result.prompt;
  w.output = result.output;
  StatusOr<Estimate> e = estimate(costs_, w, params);
  if (!e.isOk())
    return std::nullopt;
  result.estimate = toJson(*e, costs_);
  result.predictedTtftSeconds = e->ttftSeconds;
  result.predictedTpotSeconds = e->tpotSeconds;
  return *e;
}

void BenchSession::attachFloor(BenchResult &result, FloorStep step,
                               double measuredSeconds) const {
  Workload w;
  w.batch = result.batch;
  w.prompt = result.prompt;
  w.output = result.output;
  StatusOr<StepFloor> floor =
      step == FloorStep::Prefill
          ? prefillFloor(costs_, w, ceilings_, measuredSeconds)
          : decodeStepFloor(costs_, w, ceilings_, measuredSeconds);
  // Like the prediction, the floor is left out for a shape the estimate
  // does not model (output 1 has no decode step).
  if (floor.isOk())
    result.floor = std::move(floor).value();
}

StatusOr<std::vector<BenchResult>> BenchSession::latency() {
  const int64_t prompt = settings_.prompt.value_or(128);
  const int64_t output = settings_.output.value_or(128);
  const int64_t count = settings_.requests.value_or(10);
  LLMC_RETURN_IF_ERROR(checkFits(prompt, output));
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  LLMC_ASSIGN_OR_RETURN(BenchResult result,
                        runUniform(factory, "latency",
                                   shapeLabel(prompt, output), prompt, output,
                                   count, 1, "latency"));
  const Distribution tpot = result.run.latency().tpot;
  if (!tpot.empty() && tpot.mean > 0) {
    // Every decode step reads every weight once: weights / TPOT is the
    // bandwidth the step achieved.
    const double bandwidth = double(costs_.weightBytes) / tpot.mean;
    result.derived["weight_bandwidth_bytes_per_second"] = bandwidth;
    if (ceilings_)
      result.derived["weight_bandwidth_fraction_of_copy"] =
          bandwidth / ceilings_->bandwidthBytesPerSecond;
    attachFloor(result, FloorStep::Decode, tpot.mean);
  }
  predict(result);
  return std::vector<BenchResult>{std::move(result)};
}

StatusOr<std::vector<BenchResult>> BenchSession::ttft() {
  std::vector<int64_t> prompts = {128, 512, 2048, 4096};
  if (settings_.prompt)
    prompts = {*settings_.prompt};
  else
    prompts.erase(
        std::remove_if(prompts.begin(), prompts.end(),
                       [&](int64_t p) { return p + 1 > costs_.maxSeqLen; }),
        prompts.end());
  const int64_t output = settings_.output.value_or(1);
  const int64_t count = settings_.requests.value_or(5);
  for (int64_t prompt : prompts)
    LLMC_RETURN_IF_ERROR(checkFits(prompt, output));
  if (prompts.empty())
    return Status::error("no TTFT prompt length fits the context of " +
                         str(costs_.maxSeqLen) + "; pass --prompt");

  std::vector<BenchResult> results;
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  for (int64_t prompt : prompts) {
    LLMC_ASSIGN_OR_RETURN(BenchResult result,
                          runUniform(factory, "ttft",
                                     shapeLabel(prompt, output), prompt, output,
                                     count, 1, "ttft " + str(prompt)));
    const Distribution measured = result.run.latency().ttft;
    // MFU: the prefill's FLOPs (as the engine counts them) over the
    // measured TTFT, against the measured matrix rate.
    if (std::optional<Estimate> predicted = predict(result);
        predicted && !measured.empty())
      result.derived["mfu"] = predicted->prefill.flops / measured.mean /
                              ceilings_->matrixFlopsPerSecond;
    if (!measured.empty())
      attachFloor(result, FloorStep::Prefill, measured.mean);
    results.push_back(std::move(result));
  }
  return results;
}

StatusOr<std::vector<BenchResult>> BenchSession::decode() {
  std::vector<int64_t> batches = settings_.batches;
  if (batches.empty())
    batches = {costs_.maxSlots};
  const int64_t prompt = settings_.prompt.value_or(512);
  const int64_t output = settings_.output.value_or(128);
  LLMC_RETURN_IF_ERROR(checkFits(prompt, output));
  for (int64_t batch : batches)
    if (batch < 1 || batch > costs_.maxSlots)
      return Status::error("decode batch " + str(batch) +
                           " must be within the engine's 1.." +
                           str(costs_.maxSlots) + " slots");

  std::vector<BenchResult> results;
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  for (int64_t batch : batches) {
    LLMC_ASSIGN_OR_RETURN(
        BenchResult result,
        runUniform(factory, "decode",
                   "batch " + str(batch) + ", " + shapeLabel(prompt, output),
                   prompt, output, batch, batch, "decode batch " + str(batch)));
    const DecodeWindow window = result.run.steadyDecode();
    if (window.seconds > 0) {
      result.derived["steady_decode_tokens_per_second"] =
          window.tokensPerSecond();
      // Every step of the window yields one token per request.
      attachFloor(result, FloorStep::Decode,
                  double(batch) / window.tokensPerSecond());
    }
    predict(result);
    results.push_back(std::move(result));
  }
  return results;
}

StatusOr<std::vector<BenchResult>> BenchSession::grid() {
  std::vector<std::pair<int64_t, int64_t>> shapes = {
      {128, 128}, {128, 2048}, {2048, 128}, {2048, 2048}};
  if (settings_.prompt || settings_.output)
    shapes = {{settings_.prompt.value_or(128), settings_.output.value_or(128)}};
  else
    shapes.erase(std::remove_if(shapes.begin(), shapes.end(),
                                [&](const auto &s) {
                                  return s.first + s.second > costs_.maxSeqLen;
                                }),
                 shapes.end());
  if (shapes.empty())
    return Status::error("no grid shape fits the context of " +
                         str(costs_.maxSeqLen) + "; pass --prompt/--output");
  for (const auto &[prompt, output] : shapes)
    LLMC_RETURN_IF_ERROR(checkFits(prompt, output));
  const int64_t count = settings_.requests.value_or(64);

  std::vector<BenchResult> results;
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  for (const auto &[prompt, output] : shapes) {
    LLMC_ASSIGN_OR_RETURN(
        BenchResult result,
        runUniform(factory, "grid", shapeLabel(prompt, output), prompt, output,
                   count, count, "grid " + str(prompt) + "/" + str(output)));
    // A request gets one token per step it decodes in: its TPOT is the step
    // time, other requests' prefill chunks included.
    if (const Distribution tpot = result.run.latency().tpot; !tpot.empty())
      attachFloor(result, FloorStep::Decode, tpot.mean);
    results.push_back(std::move(result));
  }
  return results;
}

StatusOr<std::vector<BenchResult>> BenchSession::concurrency() {
  std::vector<int64_t> levels = settings_.batches;
  if (levels.empty())
    for (int64_t c = 1; c <= std::min<int64_t>(256, 2 * costs_.maxSlots);
         c *= 2)
      levels.push_back(c);
  const int64_t prompt = settings_.prompt.value_or(128);
  const int64_t output = settings_.output.value_or(128);
  LLMC_RETURN_IF_ERROR(checkFits(prompt, output));
  for (int64_t level : levels)
    if (level < 1)
      return Status::error("concurrency must be at least 1, got " + str(level));

  std::vector<BenchResult> results;
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  for (int64_t level : levels) {
    // Enough requests that most of the run is at the full level.
    const int64_t count =
        settings_.requests.value_or(std::max<int64_t>(4 * level, 16));
    LLMC_ASSIGN_OR_RETURN(BenchResult result,
                          runUniform(factory, "concurrency",
                                     "concurrency " + str(level) + ", " +
                                         shapeLabel(prompt, output),
                                     prompt, output, count, level,
                                     "concurrency " + str(level)));
    if (const Distribution tpot = result.run.latency().tpot; !tpot.empty())
      attachFloor(result, FloorStep::Decode, tpot.mean); // as in grid()
    predict(result);
    results.push_back(std::move(result));
  }
  return results;
}

StatusOr<std::vector<BenchResult>>
BenchSession::staticVsContinuous(BenchReport &report) {
  const int64_t count = settings_.requests.value_or(1000);
  const int64_t prompt = settings_.prompt.value_or(512);
  const int64_t meanOutput = settings_.output.value_or(128);
  const int64_t cap = std::min<int64_t>(512, costs_.maxSeqLen - prompt);
  LLMC_RETURN_IF_ERROR(checkFits(prompt, meanOutput));

  // One request list for both modes: the same prompts and lengths.
  RequestFactory factory(settings_.seed, int32_t(costs_.config.vocabSize));
  std::vector<serving::Request> requests;
  for (int64_t i = 0; i < count; ++i) {
    const int32_t output =
        factory.exponentialLength(double(meanOutput), int32_t(cap));
    requests.push_back(factory.request(int32_t(prompt), output));
  }

  std::vector<BenchResult> results;
  for (serving::BatchingMode mode :
       {serving::BatchingMode::Static, serving::BatchingMode::Continuous}) {
    const std::string name =
        mode == serving::BatchingMode::Static ? "static" : "continuous";
    LLMC_ASSIGN_OR_RETURN(Engine * e, engine(mode, prompt));
    BenchResult result;
    result.workload = "static-vs-continuous";
    result.label = str(count) + " requests, " + shapeLabel(prompt, meanOutput) +
                   " (exponential, cap " + str(cap) + ")";
    result.mode = name;
    result.batch = std::min(count, costs_.maxSlots);
    result.prompt = prompt;
    result.output = meanOutput;
    result.concurrency = count;
    // Each mode runs its own copy of the same requests.
    LLMC_ASSIGN_OR_RETURN(result.run, run(*e, requests, count, name));
    LLMC_ASSIGN_OR_RETURN(result.profile, profileOf(*e));
    results.push_back(std::move(result));
  }
  const Throughput staticRate = results[0].run.throughput();
  const Throughput continuousRate = results[1].run.throughput();
  if (staticRate.outputTokensPerSecond > 0)
    report.comparisons.push_back({"continuous / static output tokens/s",
                                  continuousRate.outputTokensPerSecond /
                                      staticRate.outputTokensPerSecond});
  const double staticMedian = results[0].run.latency().e2e.median;
  const double continuousMedian = results[1].run.latency().e2e.median;
  if (continuousMedian > 0)
    report.comparisons.push_back({"static / continuous median E2E latency",
                                  staticMedian / continuousMedian});
  return results;
}

StatusOr<BenchReport> BenchSession::run() {
  BenchReport report;
  StatusOr<std::vector<BenchResult>> results =
      Status::error("unknown workload '" + settings_.workload + "'");
  const std::string &w = settings_.workload;
  if (w == "latency")
    results = latency();
  else if (w == "ttft")
    results = ttft();
  else if (w == "decode")
    results = decode();
  else if (w == "grid")
    results = grid();
  else if (w == "concurrency")
    results = concurrency();
  else if (w == "static-vs-continuous")
    results = staticVsContinuous(report);
  if (!results.isOk())
    return results.status();
  report.results = std::move(results).value();
  return report;
}

} // namespace llmc::bench
