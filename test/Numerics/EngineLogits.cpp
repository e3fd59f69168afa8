// llmc-engine-logits: the GPU counterpart of llmc-dump-logits. It runs a
// compiled engine greedily on slot 0 and writes the same two files, so
// reference_llama2c.py checks the engine against the independent numpy
// forward pass (and test/GPU/hf_oracle/compare.py against transformers): the
// prompt runs as prefill chunks of at most the engine's prefill rows (one
// chunk when it fits), every later step is one decode step, and each row is
// the engine's fp32 logits of slot 0.
//   --logits FILE  (N + 1) rows of `vocab` little-endian float32
//   --tokens FILE  the N + 1 tokens the engine sampled, one per line
// The engine feeds its own greedy token to the next step; the tool fails if
// that token is not the argmax of the logits it read. MLIR-free, so it runs
// wherever the runtime does.
#include "runtime/gpu/DeviceModel.h"
#include "runtime/reference/ReferenceOps.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

using namespace llmc;

namespace {

/// Runs one step and returns slot 0's logits, checking the sampled token.
StatusOr<std::vector<float>> step(gpu::DeviceModel &device,
                                  const std::vector<int32_t> &prompt,
                                  bool first, int32_t &sampled) {
  gpu::StepTicket ticket;
  if (first) {
    // Every chunk but the last only writes its KV; the last one samples.
    const int64_t rows = device.maxPrefillRows();
    for (int64_t start = 0;; start += rows) {
      const int64_t end = std::min<int64_t>(start + rows, prompt.size());
      const bool last = end == int64_t(prompt.size());
      serving::PrefillChunk chunk;
      chunk.slot = 0;
      chunk.startPosition = int32_t(start);
      chunk.tokens.assign(prompt.begin() + start, prompt.begin() + end);
      chunk.lastChunk = last;
      LLMC_ASSIGN_OR_RETURN(ticket, device.enqueuePrefill({chunk}));
      if (last)
        break;
      LLMC_ASSIGN_OR_RETURN(std::vector<serving::SlotEvent> none,
                            device.collect(ticket));
      if (!none.empty())
        return Status::error("a prompt chunk before the last one sampled");
    }
  } else {
    LLMC_ASSIGN_OR_RETURN(ticket, device.enqueueDecode(1));
  }
  LLMC_ASSIGN_OR_RETURN(std::vector<serving::SlotEvent> produced,
                        device.collect(ticket));
  LLMC_ASSIGN_OR_RETURN(std::vector<float> all,
                        device.readLogits(first ? "prefill" : "decode"));
  const int64_t vocab = device.manifest().config.vocabSize;
  std::vector<float> row(all.begin(), all.begin() + vocab);
  const int32_t argmax = ref::sample(row.data(), vocab, {}, 0);
  if (produced.size() != 1 || produced[0].token != argmax)
    return Status::error("the engine sampled " +
                         (produced.empty()
                              ? std::string("nothing")
                              : std::to_string(produced[0].token)) +
                         ", not the argmax " + std::to_string(argmax));
  sampled = argmax;
  return row;
}

Status run(const std::string &enginePath, const std::vector<int32_t> &prompt,
           int64_t steps, const std::string &logitsPath,
           const std::string &tokensPath) {
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<gpu::DeviceModel> device,
                        gpu::DeviceModel::load(enginePath));
  serving::SlotInit init;
  init.slot = 0;
  init.maxNewTokens = int32_t(steps + 1);
  init.contextLimit = int32_t(device->manifest().config.maxSeqLen);
  LLMC_RETURN_IF_ERROR(device->admit(init));
  // Slot 0 owns blocks 0, 1, ... for every position the run writes.
  const int64_t positions = int64_t(prompt.size()) + steps;
  const int64_t blockSize = device->blockSize();
  std::vector<serving::BlockTableChange> blocks;
  for (int64_t b = 0; b * blockSize < positions; ++b)
    blocks.push_back({0, int32_t(b), int32_t(b)});
  if (int64_t(blocks.size()) > device->numKvBlocks())
    return Status::error("the prompt and steps need more KV blocks than the "
                         "engine has");
  LLMC_RETURN_IF_ERROR(device->updateBlockTables(blocks));
  std::ofstream logitsFile(logitsPath, std::ios::binary);
  std::ofstream tokensFile(tokensPath);
  if (!logitsFile || !tokensFile)
    return Status::error("cannot write " + logitsPath + " or " + tokensPath);
  for (int64_t i = 0; i <= steps; ++i) {
    int32_t token = 0;
    LLMC_ASSIGN_OR_RETURN(std::vector<float> logits,
                          step(*device, prompt, i == 0, token));
    logitsFile.write(reinterpret_cast<const char *>(logits.data()),
                     std::streamsize(logits.size() * sizeof(float)));
    tokensFile << token << "\n";
  }
  if (!logitsFile.good() || !tokensFile.good())
    return Status::error("writing " + logitsPath + " or " + tokensPath +
                         " failed");
  std::cout << "wrote " << steps + 1 << " steps of "
            << device->manifest().config.vocabSize << " logits from "
            << device->device().name << "\n";
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{
      "Run an engine greedily on the GPU and dump each step's logits."};
  std::string enginePath, logitsPath, tokensPath;
  std::vector<int32_t> prompt;
  int64_t steps = 8;
  app.add_option("engine", enginePath, "engine directory")->required();
  app.add_option("--prompt", prompt, "prompt token ids, comma separated")
      ->required()
      ->delimiter(',');
  app.add_option("--steps", steps, "greedy decode steps after the prompt")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--logits", logitsPath, "output: float32 logits per step")
      ->required();
  app.add_option("--tokens", tokensPath, "output: greedy token id per step")
      ->required();
  CLI11_PARSE(app, argc, argv);
  Status status = run(enginePath, prompt, steps, logitsPath, tokensPath);
  if (!status.isOk()) {
    std::cerr << "llmc-engine-logits: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
