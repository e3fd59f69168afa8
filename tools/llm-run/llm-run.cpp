// llm-run: generates a continuation of one prompt and streams it to stdout.
//
//   llm-run MODEL --prompt TEXT [--max-tokens N] [--temperature T --top-k K
//           --top-p P --seed S] [--device cpu|cuda] [--tokenizer PATH]
//
// MODEL is a llama2.c checkpoint or a Hugging Face model directory. TTFT, TPOT
// and tokens/s go to stderr at the end.
#include "compiler/Frontend/ModelLoader.h"
#include "runtime/cpu/CpuGenerator.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/tokenizer/IncrementalDetokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

using namespace llmc;

namespace {

struct Options {
  std::string model;
  std::string prompt;
  std::string tokenizer;
  std::string device = "cpu";
  int64_t maxTokens = 256;
  ref::SamplingParams sampling;
  unsigned threads = 0;
};

int fail(const Status &status) {
  std::cerr << "llm-run: error: " << status.message() << "\n";
  return 1;
}

Status run(const Options &opts) {
  if (opts.device == "cuda")
    return Status::error(
        "--device cuda runs compiled engines, which this build cannot "
        "produce yet; use --device cpu");

  LoadOptions loadOptions;
  loadOptions.tokenizerPath = opts.tokenizer;
  LLMC_ASSIGN_OR_RETURN(LoadedModel loaded, loadModel(opts.model, loadOptions));
  if (loaded.tokenizerPath.empty())
    return Status::error("no tokenizer found for " + opts.model +
                         "; pass --tokenizer PATH");
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                        loadTokenizer(loaded.tokenizerPath));
  if (tokenizer->vocabSize() > loaded.config.vocabSize)
    return Status::error("tokenizer " + loaded.tokenizerPath + " has " +
                         std::to_string(tokenizer->vocabSize()) +
                         " tokens but the model has " + "only " +
                         std::to_string(loaded.config.vocabSize));

  LLMC_ASSIGN_OR_RETURN(
      CpuModel model,
      CpuModel::create(loaded.config, loaded.weights, opts.threads));

  GenerationRequest request;
  request.prompt = tokenizer->encode(opts.prompt, /*addBos=*/true);
  request.maxTokens = opts.maxTokens;
  request.sampling = opts.sampling;
  request.stopTokenIds = tokenizer->stopIds();

  // The prompt is echoed so the output reads as one text.
  std::cout << opts.prompt << std::flush;
  IncrementalDetokenizer detokenizer(*tokenizer, request.prompt.back());
  auto stream = [&](int32_t token) {
    std::cout << detokenizer.push(token) << std::flush;
  };
  LLMC_ASSIGN_OR_RETURN(GenerationResult result,
                        generate(model, request, stream));
  std::cout << detokenizer.flush() << std::endl;

  const RequestMetrics &m = result.metrics;
  std::fprintf(stderr,
               "llm-run: device cpu (%u threads), prompt %zu tokens, "
               "generated %lld tokens (finish: %s)\n"
               "llm-run: TTFT %.2f ms, TPOT %.2f ms, %.1f tokens/s\n",
               model.numThreads(), request.prompt.size(),
               (long long)m.outputTokens, finishReasonName(result.finishReason),
               m.ttftSeconds * 1e3, m.tpotSeconds * 1e3,
               m.decodeTokensPerSecond());
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  CLI::App app{"Generates a continuation of a prompt with an LLM."};
  app.add_option("model", opts.model,
                 "llama2.c checkpoint or Hugging Face model directory")
      ->required();
  app.add_option("--prompt", opts.prompt, "text to continue")->required();
  app.add_option("--tokenizer", opts.tokenizer,
                 "tokenizer.bin or tokenizer.json (default: found beside "
                 "the model)");
  app.add_option("--max-tokens", opts.maxTokens, "tokens to generate at most");
  app.add_option("--temperature", opts.sampling.temperature,
                 "0 = greedy (default)");
  app.add_option("--top-k", opts.sampling.topK, "0 = off");
  app.add_option("--top-p", opts.sampling.topP, "1 = off");
  app.add_option("--seed", opts.sampling.seed, "sampling seed");
  app.add_option("--device", opts.device, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--threads", opts.threads, "CPU threads (0 = all)");
  CLI11_PARSE(app, argc, argv);

  Status status = run(opts);
  return status.isOk() ? 0 : fail(status);
}
