// llm-run: generates a continuation of one prompt and streams it to stdout.
//
//   llm-run MODEL --prompt TEXT [--max-tokens N] [--temperature T --top-k K
//           --top-p P --seed S] [--device cpu|cuda] [--tokenizer PATH]
//
// MODEL is a llama2.c checkpoint or a Hugging Face model directory (run on the
// CPU), or an engine directory from llm-compile (run on the GPU with --device
// cuda, through the runtime's Engine). TTFT, TPOT and tokens/s go to stderr at
// the end.
#include "runtime/cpu/CpuGenerator.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/formats/ModelLoader.h"
#ifdef LLMC_HAVE_GPU
#include "runtime/api/GpuExecutor.h"
#endif
#include "runtime/tokenizer/IncrementalDetokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <limits>
#include <sys/stat.h>

using namespace llmc;

namespace {

struct Options {
  std::string model;
  std::string prompt;
  std::string tokenizer;
  std::string device = "cpu";
  int64_t maxTokens = 256;
  ref::SamplingParams sampling;
  int64_t threads = 0;
  double gpuMemoryFraction = 0.9;
};

int fail(const Status &status) {
  std::cerr << "llm-run: error: " << status.message() << "\n";
  return 1;
}

void warn(const std::string &text) {
  std::cerr << "llm-run: warning: " << text << "\n";
}

/// The prompt's tokens; refuses a prompt that encodes to none (an empty
/// prompt with a tokenizer that adds no BOS): generation needs a last token.
StatusOr<std::vector<int32_t>> encodePrompt(const Tokenizer &tokenizer,
                                            const std::string &prompt) {
  std::vector<int32_t> tokens = tokenizer.encode(prompt, /*addBos=*/true);
  if (tokens.empty())
    return Status::error("the prompt encodes to no tokens and the tokenizer "
                         "adds no BOS token: there is nothing to continue");
  return tokens;
}

bool isEngineDirectory(const std::string &path) {
  struct stat info;
  return ::stat((path + "/manifest.json").c_str(), &info) == 0;
}

#ifdef LLMC_HAVE_GPU
Status runOnGpu(const Options &opts) {
  if (!isEngineDirectory(opts.model))
    return Status::error("--device cuda runs a compiled engine; " + opts.model +
                         " is not one (compile it with llm-compile first)");
  EngineOptions engineOptions;
  engineOptions.device.gpuMemoryFraction = opts.gpuMemoryFraction;
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine,
                        createGpuEngine(opts.model, engineOptions));
  const Manifest &manifest = gpuExecutor(*engine).manifest();
  std::string tokenizerPath = opts.tokenizer;
  if (tokenizerPath.empty() && !manifest.tokenizer.file.empty())
    tokenizerPath = opts.model + "/" + manifest.tokenizer.file;
  if (tokenizerPath.empty())
    return Status::error("the engine " + opts.model +
                         " has no tokenizer; pass --tokenizer PATH");
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                        loadTokenizer(tokenizerPath));
  LLMC_ASSIGN_OR_RETURN(std::string mismatch,
                        checkTokenizerFitsModel(*tokenizer, tokenizerPath,
                                                manifest.config.vocabSize));
  if (!mismatch.empty())
    warn(mismatch);

  serving::Request request;
  LLMC_ASSIGN_OR_RETURN(request.prompt, encodePrompt(*tokenizer, opts.prompt));
  request.sampling = opts.sampling;
  request.stop.maxNewTokens = int32_t(opts.maxTokens);
  for (int64_t id : tokenizer->stopIds())
    request.stop.eosIds.push_back(int32_t(id));
  LLMC_ASSIGN_OR_RETURN(std::shared_ptr<TokenStream> stream,
                        engine->submit(request));

  std::cout << opts.prompt << std::flush;
  IncrementalDetokenizer detokenizer(*tokenizer, request.prompt.back());
  int32_t token;
  while (stream->next(token))
    std::cout << detokenizer.push(token) << std::flush;
  std::cout << detokenizer.flush() << std::endl;
  if (stream->end() == StreamEnd::Failed)
    return Status::error(stream->error());

  const RequestMetrics m = stream->metrics();
  const auto reason = stream->finishReason();
  std::fprintf(stderr,
               "llm-run: device %s, prompt %zu tokens, generated %lld tokens "
               "(finish: %s)\n"
               "llm-run: TTFT %.2f ms, TPOT %.2f ms, %.1f tokens/s\n",
               engine->executor().deviceName().c_str(), request.prompt.size(),
               (long long)m.outputTokens,
               reason ? serving::finishReasonName(*reason) : "none",
               m.ttftSeconds * 1e3, m.tpotSeconds * 1e3,
               m.decodeTokensPerSecond());
  return Status::ok();
}
#endif

Status run(const Options &opts) {
  // The GPU's slot state holds token counts as int32.
  if (opts.maxTokens > std::numeric_limits<int32_t>::max())
    return Status::error("--max-tokens " + std::to_string(opts.maxTokens) +
                         " exceeds the limit of " +
                         std::to_string(std::numeric_limits<int32_t>::max()));
  if (opts.device == "cuda") {
#ifdef LLMC_HAVE_GPU
    return runOnGpu(opts);
#else
    return Status::error("this build has no CUDA support; use --device cpu");
#endif
  }
  if (isEngineDirectory(opts.model))
    return Status::error(opts.model +
                         " is a compiled engine, which runs on the GPU: pass "
                         "--device cuda");

  LoadOptions loadOptions;
  loadOptions.tokenizerPath = opts.tokenizer;
  LLMC_ASSIGN_OR_RETURN(LoadedModel loaded, loadModel(opts.model, loadOptions));
  if (loaded.tokenizerPath.empty())
    return Status::error("no tokenizer found for " + opts.model +
                         "; pass --tokenizer PATH");
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                        loadTokenizer(loaded.tokenizerPath));
  LLMC_ASSIGN_OR_RETURN(std::string mismatch,
                        checkTokenizerFitsModel(*tokenizer,
                                                loaded.tokenizerPath,
                                                loaded.config.vocabSize));
  LLMC_ASSIGN_OR_RETURN(ref::ThreadCount threads,
                        ref::resolveThreadCount(opts.threads));

  GenerationRequest request;
  LLMC_ASSIGN_OR_RETURN(request.prompt, encodePrompt(*tokenizer, opts.prompt));
  request.maxTokens = opts.maxTokens;
  request.sampling = opts.sampling;
  request.stopTokenIds = tokenizer->stopIds();

  LLMC_ASSIGN_OR_RETURN(
      CpuModel model,
      CpuModel::create(loaded.config, loaded.weights, threads.threads));
  // Everything about the request is checked before the prompt is echoed.
  LLMC_RETURN_IF_ERROR(checkGenerationRequest(model, request));
  if (!mismatch.empty())
    warn(mismatch);
  if (!threads.warning.empty())
    warn(threads.warning);

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
                 "llama2.c checkpoint, Hugging Face model directory, or (with "
                 "--device cuda) an engine directory")
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
  app.add_option("--gpu-memory-fraction", opts.gpuMemoryFraction,
                 "share of the GPU's memory the engine may use; the KV cache "
                 "gets what the weights and buffers leave")
      ->check(CLI::Range(0.05, 1.0));
  CLI11_PARSE(app, argc, argv);

  Status status = run(opts);
  return status.isOk() ? 0 : fail(status);
}
