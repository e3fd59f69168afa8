// llm-serve-bench: the online benchmark, against a running OpenAI-compatible
// server (llm-serve or any other).
//
//   llm-serve-bench --url http://127.0.0.1:8000 [--rates 1,4,16,inf]
//       [--concurrency 1,4,16,64,256] [--multi-turn] [--requests N]
//       [--prompt-words W] [--output-tokens T] [--slo-ttft-ms MS]
//       [--slo-tpot-ms MS] [--turns T --conversations C] [--api-key KEY]
//       [--json FILE]
//
// Prints one table per workload (OnlineWorkloads.h), and with --json writes
// every row to FILE (OnlineReport.h; bench/plot.py draws it); exits 1 when a
// request failed.
#include "OnlineWorkloads.h"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace llmc;
using namespace llmc::bench;

namespace {

/// "1,4,inf" -> {1, 4, inf}.
std::vector<double> parseRates(const std::string &list) {
  std::vector<double> rates;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    rates.push_back(item == "inf" ? INFINITY : std::stod(item));
  return rates;
}

} // namespace

int main(int argc, char **argv) {
  OnlineSettings s;
  std::string url = "http://127.0.0.1:8000", rates, jsonPath;
  std::vector<int> concurrency;
  bool multiTurn = false;
  CLI::App app{"Online benchmark of an OpenAI-compatible server."};
  app.add_option("--url", url, "the server, http://HOST:PORT");
  app.add_option("--api-key", s.server.apiKey, "sent as a Bearer token");
  app.add_option("--model", s.model, "the model name to request");
  app.add_option("--rates", rates,
                 "Poisson arrival rates in requests/s, comma-separated "
                 "(inf: all at once)");
  app.add_option("--concurrency", concurrency,
                 "closed-loop client counts, comma-separated")
      ->delimiter(',');
  app.add_flag("--multi-turn", multiTurn,
               "chat conversations resending their history each turn");
  app.add_option("--requests", s.requests, "requests per row")
      ->check(CLI::PositiveNumber);
  app.add_option("--prompt-words", s.promptWords, "words per prompt or turn");
  app.add_option("--output-tokens", s.outputTokens, "max_tokens per request");
  app.add_option("--slo-ttft-ms", s.sloTtftMs, "goodput's TTFT bound");
  app.add_option("--slo-tpot-ms", s.sloTpotMs, "goodput's TPOT bound");
  app.add_option("--turns", s.turns, "multi-turn: turns per conversation");
  app.add_option("--conversations", s.conversations,
                 "multi-turn: conversations at once");
  app.add_option("--seed", s.seed, "prompt generator seed");
  app.add_option("--json", jsonPath,
                 "also write every row to this file as JSON (bench/plot.py)");
  CLI11_PARSE(app, argc, argv);

  StatusOr<ServerAddress> address = ServerAddress::parse(url);
  if (!address.isOk()) {
    std::cerr << "llm-serve-bench: error: " << address.status().message()
              << "\n";
    return 1;
  }
  address->apiKey = s.server.apiKey;
  s.server = *address;
  if (rates.empty() && concurrency.empty() && !multiTurn)
    concurrency = {1, 4, 16, 64, 256};

  int64_t failed = 0;
  nlohmann::json results = nlohmann::json::array();
  auto report = [&](const std::string &title,
                    const std::vector<OnlineRow> &rows) {
    std::cout << formatRows(title, rows) << std::endl;
    for (const OnlineRow &r : rows) {
      failed += r.failed;
      results.push_back(toJson(r));
    }
  };
  char title[256];
  std::snprintf(title, sizeof title,
                "%s: %lld requests per row, ~%d-word prompts, max_tokens %d, "
                "SLO TTFT <= %g ms and TPOT <= %g ms",
                url.c_str(), (long long)s.requests, s.promptWords,
                s.outputTokens, s.sloTtftMs, s.sloTpotMs);
  if (!rates.empty())
    report(std::string("Poisson arrivals, ") + title,
           runPoisson(s, parseRates(rates)));
  if (!concurrency.empty())
    report(std::string("Fixed concurrency, ") + title,
           runConcurrency(s, concurrency));
  if (multiTurn) {
    char mt[128];
    std::snprintf(mt, sizeof mt,
                  "Multi-turn chat: %d conversations x %d turns, prefix = the "
                  "server's prefix-cache hit rate over the turn",
                  s.conversations, s.turns);
    report(mt, runMultiTurn(s));
  }
  if (!jsonPath.empty()) {
    const nlohmann::json document = {{"tool", "llm-serve-bench"},
                                     {"url", url},
                                     {"settings",
                                      {{"requests", s.requests},
                                       {"prompt_words", s.promptWords},
                                       {"output_tokens", s.outputTokens},
                                       {"slo_ttft_ms", s.sloTtftMs},
                                       {"slo_tpot_ms", s.sloTpotMs},
                                       {"seed", s.seed}}},
                                     {"results", results}};
    std::ofstream out(jsonPath);
    out << document.dump(2) << "\n";
    if (!out) {
      std::cerr << "llm-serve-bench: error: cannot write " << jsonPath << "\n";
      return 1;
    }
  }
  return failed > 0 ? 1 : 0;
}
