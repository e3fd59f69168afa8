// JSON and text forms of llm-bench's results.
#include "tools/llm-bench/BenchReport.h"

#include "tools/llm-bench/ProfileReport.h"
#include "tools/llm-bench/TextTable.h"

#include <cstdio>
#include <sstream>

namespace llmc::bench {

using nlohmann::json;

json toJson(const Distribution &d) {
  return {{"count", d.count}, {"mean", d.mean}, {"median", d.median},
          {"p90", d.p90},     {"p99", d.p99},   {"min", d.min},
          {"max", d.max}};
}

namespace {

/// "12.34" (milliseconds) or "-" for an empty distribution.
std::string ms(double seconds, bool defined = true) {
  if (!defined)
    return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.2f", seconds * 1e3);
  return buffer;
}

/// "0.123" milliseconds to three decimals (floors run to microseconds), or
/// "-" when absent.
std::string fineMs(std::optional<double> seconds) {
  return seconds ? fixedPoint(*seconds * 1e3, 3) : "-";
}

std::string name(const BenchResult &r) {
  return r.workload + " " + r.label +
         (r.mode == "continuous" ? "" : " [" + r.mode + "]");
}

} // namespace

json toJson(const BenchResult &r) {
  const LatencySummary latency = r.run.latency();
  const Throughput throughput = r.run.throughput();
  const DecodeWindow window = r.run.steadyDecode();
  const EngineCounters &c = r.run.counters;
  json result = {
      {"workload", r.workload},
      {"label", r.label},
      {"mode", r.mode},
      {"params",
       {{"batch", r.batch},
        {"prompt", r.prompt},
        {"output", r.output},
        {"requests", int64_t(r.run.requests.size())},
        {"concurrency", r.concurrency}}},
      {"latency",
       {{"ttft", toJson(latency.ttft)},
        {"tpot", toJson(latency.tpot)},
        {"itl", toJson(latency.itl)},
        {"e2e", toJson(latency.e2e)}}},
      {"throughput",
       {{"seconds", throughput.seconds},
        {"output_tokens_per_second", throughput.outputTokensPerSecond},
        {"total_tokens_per_second", throughput.totalTokensPerSecond},
        {"requests_per_second", throughput.requestsPerSecond}}},
      {"engine",
       {{"gpu_busy_fraction", c.gpuBusyFraction},
        {"mean_gap_ms", c.meanGapMs},
        {"steps", c.steps},
        {"decode_steps", c.decodeSteps},
        {"preemptions", c.preemptions},
        {"host_to_device_copies", c.hostToDeviceCopies}}},
      {"steady_decode",
       {{"seconds", window.seconds},
        {"tokens", window.tokens},
        {"tokens_per_second", window.tokensPerSecond()}}},
      {"derived", r.derived},
      {"estimate", r.estimate},
  };
  if (r.floor)
    for (const auto &[key, value] : floorFigures(*r.floor))
      result["derived"][key] = value;
  if (r.profile)
    result["profile"] = toJson(*r.profile);
  return result;
}

json toJson(const BenchReport &report) {
  json j = report.header;
  j["results"] = json::array();
  for (const BenchResult &r : report.results)
    j["results"].push_back(toJson(r));
  j["comparisons"] = json::array();
  for (const Comparison &c : report.comparisons)
    j["comparisons"].push_back({{"name", c.name}, {"value", c.value}});
  return j;
}

std::string formatReport(const BenchReport &report) {
  std::vector<std::vector<std::string>> latencyRows = {
      {"latency (ms)", "reqs", "TTFT mean", "p50", "p90", "p99", "TPOT mean",
       "p50", "p90", "p99", "ITL p50", "p99", "E2E p50", "p99"}};
  std::vector<std::vector<std::string>> throughputRows = {
      {"throughput", "out tok/s", "total tok/s", "req/s", "steady tok/s",
       "GPU busy %", "gap ms", "steps", "preempt"}};
  std::vector<std::vector<std::string>> predictionRows = {
      {"predicted", "TTFT ms", "measured", "ratio", "TPOT ms", "measured",
       "ratio"}};
  std::vector<std::vector<std::string>> floorRows = {
      {"floor", "step", "MB", "GFLOP", "bytes ms", "FLOP ms", "floor ms",
       "measured ms", "x floor"}};
  for (const BenchResult &r : report.results) {
    const LatencySummary l = r.run.latency();
    const Throughput t = r.run.throughput();
    const DecodeWindow w = r.run.steadyDecode();
    const EngineCounters &c = r.run.counters;
    const bool tpot = !l.tpot.empty(), itl = !l.itl.empty();
    latencyRows.push_back(
        {name(r), std::to_string(r.run.requests.size()), ms(l.ttft.mean),
         ms(l.ttft.median), ms(l.ttft.p90), ms(l.ttft.p99),
         ms(l.tpot.mean, tpot), ms(l.tpot.median, tpot), ms(l.tpot.p90, tpot),
         ms(l.tpot.p99, tpot), ms(l.itl.median, itl), ms(l.itl.p99, itl),
         ms(l.e2e.median), ms(l.e2e.p99)});
    throughputRows.push_back(
        {name(r), fixedPoint(t.outputTokensPerSecond, 1),
         fixedPoint(t.totalTokensPerSecond, 1),
         fixedPoint(t.requestsPerSecond, 2),
         w.seconds > 0 ? fixedPoint(w.tokensPerSecond(), 1) : "-",
         fixedPoint(100 * c.gpuBusyFraction, 1), fixedPoint(c.meanGapMs, 3),
         std::to_string(c.steps), std::to_string(c.preemptions)});
    if (r.predictedTtftSeconds > 0 || r.predictedTpotSeconds > 0) {
      auto ratio = [](double measured, double predicted, bool defined) {
        return defined && predicted > 0 ? fixedPoint(measured / predicted, 2)
                                        : "-";
      };
      predictionRows.push_back(
          {name(r), ms(r.predictedTtftSeconds), ms(l.ttft.mean),
           ratio(l.ttft.mean, r.predictedTtftSeconds, !l.ttft.empty()),
           ms(r.predictedTpotSeconds, r.predictedTpotSeconds > 0),
           ms(l.tpot.mean, tpot),
           ratio(l.tpot.mean, r.predictedTpotSeconds, tpot)});
    }
    if (r.floor) {
      const StepFloor &f = *r.floor;
      const std::optional<double> over = f.measuredOverFloor();
      floorRows.push_back(
          {name(r), floorStepName(f.step), fixedPoint(f.bytes / 1e6, 2),
           fixedPoint(f.flops / 1e9, 3), fineMs(f.byteSeconds),
           fineMs(f.flopSeconds), fineMs(f.seconds()),
           f.measuredSeconds > 0 ? fineMs(f.measuredSeconds) : "-",
           over ? fixedPoint(*over, 2) : "-"});
    }
  }
  std::ostringstream out;
  out << formatTable(latencyRows) << "\n" << formatTable(throughputRows);
  if (predictionRows.size() > 1)
    out << "\n" << formatTable(predictionRows);
  if (floorRows.size() > 1)
    out << "\n" << formatTable(floorRows);
  for (const BenchResult &r : report.results)
    for (const auto &[key, value] : r.derived)
      out << name(r) << ": " << key << " " << fixedPoint(value, 4) << "\n";
  for (const Comparison &c : report.comparisons)
    out << c.name << ": " << fixedPoint(c.value, 2) << "\n";
  for (const BenchResult &r : report.results)
    if (r.profile)
      out << "\nkernel profile of " << name(r) << "\n(" << kProfileTimingNote
          << ")\n"
          << formatProfile(*r.profile);
  return out.str();
}

} // namespace llmc::bench
