// llmc-dump-logits: a test-only tool that runs CpuModel greedily and writes the
// logits of every step, so an independent implementation (reference_llama2c.py)
// can check them.
//
// Given prompt ids and N, it runs the prompt (prefill), then N decode steps
// each feeding the argmax of the previous logits, and writes
//   --logits FILE  (N + 1) rows of `vocab` little-endian float32: row 0 is the
//                  prompt's last-token logits, row i those of decode step i;
//   --tokens FILE  the N + 1 greedy ids (the argmax of each row), one per line.
#include "compiler/Frontend/ModelLoader.h"
#include "runtime/cpu/CpuModel.h"
#include "runtime/reference/ReferenceOps.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

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
  CLI11_PARSE(app, argc, argv);

  StatusOr<LoadedModel> loaded = loadModel(modelPath, LoadOptions{});
  if (!loaded.isOk())
    return fail(loaded.status().message());
  StatusOr<CpuModel> model =
      CpuModel::create(loaded->config, loaded->weights, threads);
  if (!model.isOk())
    return fail(model.status().message());

  const int64_t vocab = model->config().vocabSize;
  std::ofstream logitsFile(logitsPath, std::ios::binary);
  std::ofstream tokensFile(tokensPath);
  if (!logitsFile || !tokensFile)
    return fail("cannot write " + (logitsFile ? tokensPath : logitsPath));

  ref::KvCache cache = model->createCache();
  std::vector<int32_t> input = prompt;
  std::chrono::steady_clock::time_point decodeStart;
  int64_t position = 0;
  for (int64_t step = 0; step <= steps; ++step) {
    StatusOr<std::vector<float>> logits =
        model->forward(input, position, cache);
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
    std::cout << "; decode " << double(steps) / decodeSeconds << " tokens/s on "
              << model->numThreads() << " threads";
  std::cout << "\n";
  return 0;
}
