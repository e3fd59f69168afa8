// llmc-fp8-accuracy: the accuracy gate of FP8 (E4M3) weights, on the CPU.
//
// Teacher-forces a fixed text through the CPU model with the weights an
// engine holds: every weight rounded to bf16 (the reference), and the same
// with every linear projection of every layer (q, k, v, o, gate, up, down)
// quantized from the checkpoint's values to E4M3 with per-output-channel
// scales and dequantized back (runtime/model/Fp8Quantize.h). That is what an
// FP8-weight kernel computes, up to the order of its fp32 sums: it
// dequantizes each weight in registers and accumulates in fp32. The
// embedding and the logits projection stay bf16: the embedding is a gather
// of one row per token (no bandwidth to save), and the logits are where a
// quantization error reaches the sampled distribution unfiltered.
//
// Prints the top-1 agreement of the two models' next-token predictions and
// their perplexities of the text, and, for scale, the same for bf16 weights
// against the checkpoint's own (fp32 for llama2.c files). The text runs in
// windows of at most the model's context (and 256), each from an empty cache.
#include "runtime/cpu/CpuModel.h"
#include "runtime/formats/ModelLoader.h"
#include "runtime/model/Fp8Quantize.h"
#include "runtime/model/WeightNames.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

using namespace llmc;

namespace {

/// The layers' linear projection weights: what FP8 weights quantize.
std::set<std::string> projectionWeights(const ModelConfig &config) {
  std::set<std::string> names;
  for (int64_t i = 0; i < config.numLayers; ++i)
    for (const std::string &name :
         {weight_names::wq(i), weight_names::wk(i), weight_names::wv(i),
          weight_names::wo(i), weight_names::wGate(i), weight_names::wUp(i),
          weight_names::wDown(i)})
      names.insert(name);
  return names;
}

/// An fp32 tensor named `name` of `shape` holding `values`.
WeightTensor floatTensor(const std::string &name,
                         const std::vector<int64_t> &shape,
                         const std::vector<float> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  WeightTensor tensor;
  tensor.name = name;
  tensor.dtype = DType::F32;
  tensor.shape = shape;
  tensor.storage = ownBytes(std::move(bytes));
  return tensor;
}

/// The E4M3 round trip of the row-major weight [rows, cols]: one scale per
/// row, or with `groupSize` > 0 one per group of that many inputs of a row
/// (each group quantized as a one-row weight).
StatusOr<std::vector<float>> fp8RoundTrip(const std::vector<float> &values,
                                          int64_t rows, int64_t cols,
                                          int64_t groupSize) {
  if (groupSize <= 0) {
    LLMC_ASSIGN_OR_RETURN(Fp8Weights fp8,
                          quantizeFp8PerChannel(values.data(), rows, cols));
    return dequantizeFp8(fp8.codes.data(), rows, cols, fp8.scales);
  }
  std::vector<float> result(values.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c0 = 0; c0 < cols; c0 += groupSize) {
      const int64_t width = std::min(groupSize, cols - c0);
      const float *group = values.data() + r * cols + c0;
      LLMC_ASSIGN_OR_RETURN(Fp8Weights fp8,
                            quantizeFp8PerChannel(group, 1, width));
      LLMC_ASSIGN_OR_RETURN(
          std::vector<float> restored,
          dequantizeFp8(fp8.codes.data(), 1, width, fp8.scales));
      std::copy(restored.begin(), restored.end(),
                result.begin() + r * cols + c0);
    }
  return result;
}

/// The weights as an engine holds them: every tensor rounded to bf16, except
/// those of `fp8Names`, quantized from the source values to E4M3
/// (fp8RoundTrip) and dequantized (all stored as fp32).
StatusOr<WeightStore> engineWeights(const WeightStore &source,
                                    const std::set<std::string> &fp8Names,
                                    int64_t groupSize) {
  WeightStore result;
  for (const std::string &name : source.names()) {
    const WeightTensor &tensor = *source.find(name);
    LLMC_ASSIGN_OR_RETURN(std::vector<float> values, source.toFloat(name));
    if (fp8Names.count(name) == 0) {
      for (float &v : values)
        v = bf16ToFloat(floatToBf16(v));
    } else {
      if (tensor.shape.size() != 2)
        return Status::error("weight '" + name + "' is not a matrix");
      LLMC_ASSIGN_OR_RETURN(values, fp8RoundTrip(values, tensor.shape[0],
                                                 tensor.shape[1], groupSize));
    }
    LLMC_RETURN_IF_ERROR(result.add(floatTensor(name, tensor.shape, values)));
  }
  return result;
}

/// Natural-log probability of `token` under the logits row `logits`.
double logProbability(const float *logits, int64_t vocab, int32_t token) {
  const float maxLogit = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t v = 0; v < vocab; ++v)
    sum += std::exp(double(logits[v]) - maxLogit);
  return double(logits[token]) - maxLogit - std::log(sum);
}

int64_t argmax(const float *logits, int64_t vocab) {
  return std::max_element(logits, logits + vocab) - logits;
}

/// Two models' teacher-forced next-token predictions over a text.
struct Comparison {
  int64_t positions = 0, agree = 0;
  double nllA = 0, nllB = 0; ///< summed negative log-likelihoods

  double agreement() const { return double(agree) / double(positions); }
  double perplexityA() const { return std::exp(nllA / double(positions)); }
  double perplexityB() const { return std::exp(nllB / double(positions)); }
};

/// Runs `tokens` through both models in windows of `window` tokens and
/// compares each position's prediction of the next token.
StatusOr<Comparison> compare(CpuModel &a, CpuModel &b,
                             const std::vector<int32_t> &tokens, int64_t window,
                             int64_t vocab) {
  Comparison c;
  for (size_t start = 0; start + 1 < tokens.size(); start += size_t(window)) {
    const size_t end = std::min(tokens.size(), start + size_t(window));
    std::vector<int32_t> chunk(tokens.begin() + long(start),
                               tokens.begin() + long(end));
    ref::KvCache cacheA = a.createCache(int64_t(chunk.size()));
    ref::KvCache cacheB = b.createCache(int64_t(chunk.size()));
    LLMC_ASSIGN_OR_RETURN(std::vector<float> logitsA,
                          a.forward(chunk, 0, cacheA, LogitsFor::AllTokens));
    LLMC_ASSIGN_OR_RETURN(std::vector<float> logitsB,
                          b.forward(chunk, 0, cacheB, LogitsFor::AllTokens));
    // Row i predicts token i + 1 of the chunk.
    for (size_t i = 0; i + 1 < chunk.size(); ++i) {
      const float *rowA = logitsA.data() + i * size_t(vocab);
      const float *rowB = logitsB.data() + i * size_t(vocab);
      c.agree += argmax(rowA, vocab) == argmax(rowB, vocab);
      c.nllA -= logProbability(rowA, vocab, chunk[i + 1]);
      c.nllB -= logProbability(rowB, vocab, chunk[i + 1]);
      ++c.positions;
    }
  }
  if (c.positions == 0)
    return Status::error("the text has fewer than two tokens");
  return c;
}

void printComparison(const char *label, const Comparison &c) {
  std::printf("%s: top-1 agreement %.2f%% (%lld of %lld), perplexity %.4f -> "
              "%.4f (%+.2f%%)\n",
              label, 100.0 * c.agreement(), static_cast<long long>(c.agree),
              static_cast<long long>(c.positions), c.perplexityA(),
              c.perplexityB(),
              100.0 * (c.perplexityB() / c.perplexityA() - 1.0));
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Top-1 agreement and perplexity of FP8 (E4M3, per-channel) "
               "weights against bf16 ones, teacher-forced on a text."};
  std::string modelPath, textPath, tokenizerPath;
  int64_t maxTokens = 1000, groupSize = 0;
  app.add_option("model", modelPath, "checkpoint (llama2.c file or HF dir)")
      ->required();
  app.add_option("--text", textPath, "the text to score")->required();
  app.add_option("--tokenizer", tokenizerPath, "tokenizer (default: beside)");
  app.add_option("--max-tokens", maxTokens, "tokens of the text scored")
      ->check(CLI::PositiveNumber);
  app.add_option("--group-size", groupSize,
                 "inputs per FP8 scale within a row (default: the whole row)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  auto fail = [](const Status &status) {
    std::cerr << "llmc-fp8-accuracy: error: " << status.message() << "\n";
    return 1;
  };
  LoadOptions options;
  options.tokenizerPath = tokenizerPath;
  StatusOr<LoadedModel> model = loadModel(modelPath, options);
  if (!model.isOk())
    return fail(model.status());
  if (model->tokenizerPath.empty())
    return fail(Status::error("no tokenizer found for " + modelPath));
  StatusOr<std::unique_ptr<Tokenizer>> tokenizer =
      loadTokenizer(model->tokenizerPath);
  if (!tokenizer.isOk())
    return fail(tokenizer.status());
  std::ifstream file(textPath);
  if (!file)
    return fail(Status::error("cannot read " + textPath));
  std::stringstream text;
  text << file.rdbuf();
  std::vector<int32_t> tokens = (*tokenizer)->encode(text.str(), true);
  if (int64_t(tokens.size()) > maxTokens)
    tokens.resize(size_t(maxTokens));

  const ModelConfig &config = model->config;
  StatusOr<WeightStore> bf16Weights = engineWeights(model->weights, {}, 0);
  if (!bf16Weights.isOk())
    return fail(bf16Weights.status());
  StatusOr<WeightStore> fp8Weights =
      engineWeights(model->weights, projectionWeights(config), groupSize);
  if (!fp8Weights.isOk())
    return fail(fp8Weights.status());
  StatusOr<CpuModel> source = CpuModel::create(config, model->weights);
  StatusOr<CpuModel> bf16 = CpuModel::create(config, *bf16Weights);
  StatusOr<CpuModel> fp8 = CpuModel::create(config, *fp8Weights);
  for (const StatusOr<CpuModel> *m : {&source, &bf16, &fp8})
    if (!m->isOk())
      return fail(m->status());

  const int64_t window = std::min<int64_t>(config.maxSeqLen, 256);
  StatusOr<Comparison> bf16VsSource =
      compare(*source, *bf16, tokens, window, config.vocabSize);
  if (!bf16VsSource.isOk())
    return fail(bf16VsSource.status());
  StatusOr<Comparison> fp8VsBf16 =
      compare(*bf16, *fp8, tokens, window, config.vocabSize);
  if (!fp8VsBf16.isOk())
    return fail(fp8VsBf16.status());

  const std::string scales =
      groupSize > 0 ? "a scale per " + std::to_string(groupSize) + " inputs"
                    : std::string("per-output-channel scales");
  std::printf("%lld positions in windows of %lld; fp8: E4M3 with %s for "
              "q/k/v/o/gate/up/down of %lld layers\n",
              static_cast<long long>(fp8VsBf16->positions),
              static_cast<long long>(window), scales.c_str(),
              static_cast<long long>(config.numLayers));
  printComparison("bf16 against the checkpoint", *bf16VsSource);
  printComparison("fp8 against bf16", *fp8VsBf16);
  return 0;
}
