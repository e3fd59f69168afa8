// llmc-dump-logits: a test-only tool that runs a model greedily and writes the
// logits of every step, so an independent implementation (reference_llama2c.py,
// reference_hf.py) can check them. `--executor` picks the runtime's CPU device
// (CpuModel), the llm-dialect interpreter over the module the frontend builds,
// or the interpreter over that module after the fusion pipeline (@prefill for
// the prompt, @decode with one slot for the steps), so every path is held to
// the same independent oracle.
//
// Given prompt ids and N, it runs the prompt (prefill), then N decode steps
// each feeding the argmax of the previous logits, and writes
//   --logits FILE  (N + 1) rows of `vocab` little-endian float32: row 0 is the
//                  prompt's last-token logits, row i those of decode step i;
//   --tokens FILE  the N + 1 greedy ids (the argmax of each row), one per line.
#include "compiler/Frontend/ModuleBuilder.h"
#include "compiler/Interpreter/Interpreter.h"
#include "passes/Pipelines.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/formats/ModelLoader.h"
#include "runtime/reference/ReferenceOps.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <numeric>
#include <optional>

using namespace llmc;

static int fail(const std::string &message) {
  std::cerr << "llmc-dump-logits: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  CLI::App app{"Run the CPU model greedily and dump the logits of each step."};
  std::string modelPath, logitsPath, tokensPath;
  std::vector<int32_t> prompt;
  int64_t steps = 8;
  unsigned threads = 0;
  std::string executor = "cpu-model";
  app.add_option("model", modelPath,
                 "model path (llama2.c checkpoint or HF directory)")
      ->required();
  app.add_option("--prompt", prompt, "prompt token ids, comma separated")
      ->required()
      ->delimiter(',');
  app.add_option("--steps", steps, "greedy decode steps after the prompt")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--logits", logitsPath, "output: float32 logits per step")
      ->required();
  app.add_option("--tokens", tokensPath, "output: greedy token id per step")
      ->required();
  app.add_option("--threads", threads, "worker threads (0: all cores)");
  app.add_option("--executor", executor,
                 "cpu-model, interpreter or fused-interpreter")
      ->check(CLI::IsMember({"cpu-model", "interpreter", "fused-interpreter"}));
  CLI11_PARSE(app, argc, argv);

  StatusOr<LoadedModel> loaded = loadModel(modelPath, LoadOptions{});
  if (!loaded.isOk())
    return fail(loaded.status().message());
  // One forward step: tokens at startPos -> logits of the last token.
  using Step = std::function<StatusOr<std::vector<float>>(
      const std::vector<int32_t> &, int64_t)>;
  Step forward;
  std::optional<CpuModel> model;
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::optional<Interpreter> interpreter;
  std::optional<ref::KvCache> cache;
  const int64_t vocab = loaded->config.vocabSize;
  if (executor == "cpu-model") {
    StatusOr<CpuModel> created =
        CpuModel::create(loaded->config, loaded->weights, threads);
    if (!created.isOk())
      return fail(created.status().message());
    model.emplace(std::move(created).value());
    cache.emplace(model->createCache());
    forward = [&](const std::vector<int32_t> &tokens, int64_t startPos) {
      return model->forward(tokens, startPos, *cache);
    };
  } else {
    auto built = buildModelModule(context, loaded->config, loaded->weights);
    if (!built.isOk())
      return fail(built.status().message());
    module = std::move(built).value();
    const bool fused = executor == "fused-interpreter";
    if (fused) {
      mlir::PassManager pm(&context);
      EngineShape options;
      options.maxSlots = 1;
      mlir::llm::buildFusionPipeline(pm, options);
      if (mlir::failed(pm.run(*module)))
        return fail("the fusion pipeline failed");
    }
    auto created = Interpreter::create(*module, loaded->weights, threads);
    if (!created.isOk())
      return fail(created.status().message());
    interpreter.emplace(std::move(created).value());
    cache.emplace(interpreter->createCache());
    forward = [&](const std::vector<int32_t> &tokens,
                  int64_t startPos) -> StatusOr<std::vector<float>> {
      std::vector<int32_t> positions(tokens.size());
      std::iota(positions.begin(), positions.end(), int32_t(startPos));
      std::string function =
          !fused ? "forward" : (startPos == 0 ? "prefill" : "decode");
      LLMC_ASSIGN_OR_RETURN(
          std::vector<float> all,
          interpreter->run(function, tokens, positions, *cache));
      return std::vector<float>(all.end() - vocab, all.end());
    };
  }

  std::ofstream logitsFile(logitsPath, std::ios::binary);
  std::ofstream tokensFile(tokensPath);
  if (!logitsFile || !tokensFile)
    return fail("cannot write " + (logitsFile ? tokensPath : logitsPath));

  std::vector<int32_t> input = prompt;
  std::chrono::steady_clock::time_point decodeStart;
  int64_t position = 0;
  for (int64_t step = 0; step <= steps; ++step) {
    StatusOr<std::vector<float>> logits = forward(input, position);
    if (!logits.isOk())
      return fail(logits.status().message());
    position += int64_t(input.size());
    const int32_t next = ref::sample(logits->data(), vocab, {}, uint64_t(step));
    logitsFile.write(reinterpret_cast<const char *>(logits->data()),
                     std::streamsize(logits->size() * sizeof(float)));
    tokensFile << next << "\n";
    input = {next};
    if (step == 0)
      decodeStart = std::chrono::steady_clock::now();
  }
  const double decodeSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                    decodeStart)
          .count();
  if (!logitsFile.good() || !tokensFile.good())
    return fail("writing " + logitsPath + " or " + tokensPath + " failed");
  std::cout << "wrote " << steps + 1 << " steps of " << vocab << " logits";
  if (steps > 0)
    std::cout << "; decode " << double(steps) / decodeSeconds
              << " tokens/s with " << executor;
  std::cout << "\n";
  return 0;
}
