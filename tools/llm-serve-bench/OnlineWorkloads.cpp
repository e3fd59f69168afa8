// Open-loop, closed-loop and multi-turn load against a server, one thread per
// request in flight.
#include "OnlineWorkloads.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

namespace llmc::bench {

namespace {

const char *const kWords[] = {
    "Lily", "went", "to",   "the",    "park", "and",   "saw",  "a",
    "big",  "red",  "ball", "Tom",    "was",  "happy", "they", "played",
    "with", "dog",  "sun",  "tree",   "one",  "day",   "her",  "mom",
    "said", "look", "at",   "little", "bird", "sky",   "blue", "friend"};

std::string randomText(std::mt19937_64 &rng, int32_t words) {
  std::string text;
  for (int32_t i = 0; i < words; ++i) {
    if (i)
      text += " ";
    text += kWords[rng() % (sizeof kWords / sizeof *kWords)];
  }
  return text + ".";
}

std::string completionBody(const OnlineSettings &s, const std::string &prompt) {
  nlohmann::json body = {
      {"prompt", prompt}, {"max_tokens", s.outputTokens}, {"temperature", 0}};
  if (!s.model.empty())
    body["model"] = s.model;
  return body.dump();
}

/// Collects the results of one row from many threads.
class RowRecorder {
public:
  void add(StreamResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    results_.push_back(std::move(result));
  }

  OnlineRow finish(const std::string &label, const OnlineSettings &s,
                   double seconds) {
    OnlineRow row;
    row.label = label;
    std::vector<RequestMetrics> metrics;
    int64_t promptTokens = 0, good = 0;
    for (const StreamResult &r : results_) {
      ++row.requests;
      if (!r.ok) {
        ++row.failed;
        if (row.firstError.empty())
          row.firstError = r.error;
        continue;
      }
      const RequestMetrics m = r.metrics();
      metrics.push_back(m);
      promptTokens += r.promptTokens;
      if (m.ttftSeconds * 1e3 <= s.sloTtftMs &&
          m.tpotSeconds * 1e3 <= s.sloTpotMs)
        ++good;
    }
    row.latency = LatencySummary::of(metrics);
    row.throughput = Throughput::of(int64_t(metrics.size()), promptTokens,
                                    row.latency.outputTokens, seconds);
    row.goodput = seconds > 0 ? double(good) / seconds : 0;
    return row;
  }

private:
  std::mutex mutex_;
  std::vector<StreamResult> results_;
};

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string rateLabel(double rate) {
  if (std::isinf(rate))
    return "rate inf";
  char text[32];
  std::snprintf(text, sizeof text, "rate %g/s", rate);
  return text;
}

/// The server's counters now (all -1 when /metrics cannot be read).
ServerCounters scrape(const ServerAddress &server) {
  StatusOr<std::string> page = getText(server, "/metrics");
  return page.isOk() ? ServerCounters::parse(*page) : ServerCounters{};
}

} // namespace

std::vector<OnlineRow> runPoisson(const OnlineSettings &s,
                                  const std::vector<double> &rates) {
  std::vector<OnlineRow> rows;
  for (double rate : rates) {
    std::mt19937_64 rng(s.seed);
    std::exponential_distribution<double> gap(std::isinf(rate) ? 1.0 : rate);
    RowRecorder recorder;
    std::vector<std::thread> threads;
    const ServerCounters before = scrape(s.server);
    const Clock::time_point start = Clock::now();
    double at = 0;
    for (int64_t i = 0; i < s.requests; ++i) {
      const std::string body =
          completionBody(s, randomText(rng, s.promptWords));
      if (!std::isinf(rate)) {
        std::this_thread::sleep_until(
            start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(at)));
        at += gap(rng);
      }
      threads.emplace_back([&, body] {
        recorder.add(streamRequest(s.server, "/v1/completions", body));
      });
    }
    for (std::thread &t : threads)
      t.join();
    OnlineRow row = recorder.finish(rateLabel(rate), s, secondsSince(start));
    row.workload = "poisson";
    row.rate = rate;
    row.deviceBusy = deviceBusyShare(before, scrape(s.server));
    rows.push_back(row);
  }
  return rows;
}

std::vector<OnlineRow> runConcurrency(const OnlineSettings &s,
                                      const std::vector<int> &levels) {
  std::vector<OnlineRow> rows;
  for (int level : levels) {
    std::mt19937_64 rng(s.seed);
    std::vector<std::string> bodies;
    for (int64_t i = 0; i < s.requests; ++i)
      bodies.push_back(completionBody(s, randomText(rng, s.promptWords)));
    RowRecorder recorder;
    std::atomic<int64_t> next{0};
    std::vector<std::thread> clients;
    const ServerCounters before = scrape(s.server);
    const Clock::time_point start = Clock::now();
    for (int c = 0; c < level; ++c)
      clients.emplace_back([&] {
        for (int64_t i; (i = next.fetch_add(1)) < s.requests;)
          recorder.add(
              streamRequest(s.server, "/v1/completions", bodies[size_t(i)]));
      });
    for (std::thread &t : clients)
      t.join();
    OnlineRow row = recorder.finish("concurrency " + std::to_string(level), s,
                                    secondsSince(start));
    row.workload = "concurrency";
    row.concurrency = level;
    row.deviceBusy = deviceBusyShare(before, scrape(s.server));
    rows.push_back(row);
  }
  return rows;
}

std::vector<OnlineRow> runMultiTurn(const OnlineSettings &s) {
  std::vector<RowRecorder> turns(size_t(s.turns));
  std::vector<double> turnSeconds(size_t(s.turns), 0);
  std::vector<ServerCounters> counters(size_t(s.turns) + 1);
  std::vector<nlohmann::json> histories(size_t(s.conversations),
                                        nlohmann::json::array());
  std::mt19937_64 rng(s.seed);
  for (int32_t turn = 0; turn < s.turns; ++turn) {
    counters[size_t(turn)] = scrape(s.server);
    std::vector<std::thread> threads;
    const Clock::time_point start = Clock::now();
    for (nlohmann::json &history : histories) {
      history.push_back(
          {{"role", "user"}, {"content", randomText(rng, s.promptWords)}});
      nlohmann::json body = {{"messages", history},
                             {"max_tokens", s.outputTokens},
                             {"temperature", 0}};
      if (!s.model.empty())
        body["model"] = s.model;
      threads.emplace_back([&, body = body.dump(), turn] {
        StreamResult r = streamRequest(s.server, "/v1/chat/completions", body);
        history.push_back({{"role", "assistant"}, {"content", r.text}});
        turns[size_t(turn)].add(std::move(r));
      });
    }
    for (std::thread &t : threads)
      t.join();
    turnSeconds[size_t(turn)] = secondsSince(start);
  }
  counters[size_t(s.turns)] = scrape(s.server);
  std::vector<OnlineRow> rows;
  for (int32_t turn = 0; turn < s.turns; ++turn) {
    OnlineRow row = turns[size_t(turn)].finish(
        "turn " + std::to_string(turn + 1), s, turnSeconds[size_t(turn)]);
    row.workload = "multi-turn";
    row.turn = turn + 1;
    row.prefixHitRate =
        prefixHitRate(counters[size_t(turn)], counters[size_t(turn) + 1]);
    row.deviceBusy =
        deviceBusyShare(counters[size_t(turn)], counters[size_t(turn) + 1]);
    rows.push_back(row);
  }
  return rows;
}

} // namespace llmc::bench
