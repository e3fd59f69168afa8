// The Prometheus page of the server.
#include "runtime/server/ServerMetrics.h"

#include <cstdio>

namespace llmc::server {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

static std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", x);
  return text;
}

void Histogram::write(std::string &out, const std::string &name) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += counts_.back();
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
}

static std::vector<double> latencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,   1,      2.5,   5,    10,    30,   60,  120};
}

ServerMetrics::ServerMetrics()
    : ttft_(latencyBounds()), tpot_(latencyBounds()), itl_(latencyBounds()),
      e2e_(latencyBounds()) {}

void ServerMetrics::countResponse(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++responses_[status];
}

void ServerMetrics::recordGeneration(const RequestMetrics &m,
                                     int64_t promptTokens,
                                     int64_t completionTokens,
                                     const std::string &reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++finished_[reason];
  promptTokens_ += uint64_t(promptTokens);
  completionTokens_ += uint64_t(completionTokens);
  if (m.outputTokens == 0)
    return;
  ttft_.observe(m.ttftSeconds);
  if (m.outputTokens > 1)
    tpot_.observe(m.tpotSeconds);
  for (double itl : m.itlSeconds)
    itl_.observe(itl);
  e2e_.observe(m.e2eSeconds);
}

namespace {

void metric(std::string &out, const std::string &name, const char *type,
            const char *help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void gauge(std::string &out, const std::string &name, const char *help,
           double value) {
  metric(out, name, "gauge", help);
  out += name + " " + number(value) + "\n";
}

} // namespace

std::string ServerMetrics::render(const Engine &engine,
                                  int64_t openConnections) const {
  const Engine::Load load = engine.load();
  const EngineStats stats = engine.stats();
  std::string out;
  gauge(out, "llmc_requests_waiting", "Requests queued for a slot",
        double(load.queued));
  gauge(out, "llmc_requests_running", "Requests holding a slot",
        double(load.running));
  gauge(out, "llmc_kv_blocks_used", "KV-cache blocks held by requests",
        double(load.blocksUsed));
  gauge(out, "llmc_kv_blocks_free", "KV-cache blocks free (cached included)",
        double(load.blocksFree));
  gauge(out, "llmc_kv_blocks_cached",
        "Free KV-cache blocks that still hold a cached prefix",
        double(load.blocksCached));
  metric(out, "llmc_prefix_cache_queries_total", "counter",
         "Prompt tokens looked up in the prefix cache");
  out += "llmc_prefix_cache_queries_total " +
         std::to_string(load.prefixQueriedTokens) + "\n";
  metric(out, "llmc_prefix_cache_hits_total", "counter",
         "Prompt tokens found in the prefix cache");
  out += "llmc_prefix_cache_hits_total " +
         std::to_string(load.prefixHitTokens) + "\n";
  gauge(out, "llmc_prefix_cache_hit_rate",
        "Share of prompt tokens found in the prefix cache",
        load.prefixQueriedTokens > 0
            ? double(load.prefixHitTokens) / double(load.prefixQueriedTokens)
            : 0.0);
  metric(out, "llmc_preemptions_total", "counter",
         "Times a request lost its slot and was recomputed");
  out += "llmc_preemptions_total " + std::to_string(stats.preemptions) + "\n";
  gauge(out, "llmc_device_busy_ratio",
        "Share of the time the device ran steps, between the steps measured",
        stats.gpuBusyFraction());
  // Counters, so that a scraper can take the busy share of any window:
  // (busy1 - busy0) / (wall1 - wall0).
  metric(out, "llmc_device_busy_seconds_total", "counter",
         "Device time of the engine's steps since it started");
  out += "llmc_device_busy_seconds_total " +
         number(stats.deviceBusySecondsTotal) + "\n";
  metric(out, "llmc_engine_wall_seconds_total", "counter",
         "Wall time the engine loop has run since it started");
  out +=
      "llmc_engine_wall_seconds_total " + number(stats.wallSecondsTotal) + "\n";
  metric(out, "llmc_engine_steps_total", "counter", "Engine steps run");
  out += "llmc_engine_steps_total " + std::to_string(stats.steps) + "\n";
  gauge(out, "llmc_http_connections", "Open HTTP connections",
        double(openConnections));

  std::lock_guard<std::mutex> lock(mutex_);
  metric(out, "llmc_prompt_tokens_total", "counter", "Prompt tokens processed");
  out += "llmc_prompt_tokens_total " + std::to_string(promptTokens_) + "\n";
  metric(out, "llmc_generation_tokens_total", "counter",
         "Tokens generated and returned");
  out += "llmc_generation_tokens_total " + std::to_string(completionTokens_) +
         "\n";
  metric(out, "llmc_request_finished_total", "counter",
         "Generations ended, by finish reason");
  for (const auto &[reason, n] : finished_)
    out += "llmc_request_finished_total{finish_reason=\"" + reason + "\"} " +
           std::to_string(n) + "\n";
  metric(out, "llmc_http_responses_total", "counter",
         "HTTP responses, by status code");
  for (const auto &[status, n] : responses_)
    out += "llmc_http_responses_total{code=\"" + std::to_string(status) +
           "\"} " + std::to_string(n) + "\n";
  metric(out, "llmc_time_to_first_token_seconds", "histogram",
         "Time to first token");
  ttft_.write(out, "llmc_time_to_first_token_seconds");
  metric(out, "llmc_time_per_output_token_seconds", "histogram",
         "Mean time per output token after the first, per request");
  tpot_.write(out, "llmc_time_per_output_token_seconds");
  metric(out, "llmc_inter_token_latency_seconds", "histogram",
         "Time between consecutive tokens");
  itl_.write(out, "llmc_inter_token_latency_seconds");
  metric(out, "llmc_e2e_request_latency_seconds", "histogram",
         "End-to-end request latency");
  e2e_.write(out, "llmc_e2e_request_latency_seconds");
  return out;
}

} // namespace llmc::server
