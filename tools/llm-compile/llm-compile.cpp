// llm-compile: compiles a model into an engine directory.
//
//   llm-compile MODEL -o OUT.llmc [--tokenizer PATH] [--arch sm_80,sm_90a]
//               [--max-slots N] [--max-seq-len L] [--kv-block-size B]
//               [--max-prefill-tokens T] [--dtype bf16] [--synthetic-weights]
//               [--emit=llm|kernel|cuda|manifest] [--quiet] [--force]
//
// MODEL is a llama2.c checkpoint, a Hugging Face model directory or
// config.json, or an llm-dialect .mlir file. The work is compileModel's
// (compiler/Driver/CompileDriver.h); this prints its result: the kernels'
// registers and spills per arch. --emit=manifest writes the engine directory
// without compiling kernels or packing weights (llm-estimate runs it).
#include "compiler/Driver/CompileDriver.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

using namespace llmc;

namespace {

int fail(const Status &status) {
  std::cerr << "llm-compile: error: " << status.message() << "\n";
  return 1;
}

/// One line per kernel and arch: what ptxas reported.
void printSummary(const std::string &output, const CompileReport &report,
                  double seconds) {
  const Manifest &m = report.manifest;
  std::printf("%-36s %-8s %9s %s\n", "kernel", "arch", "registers",
              "spills (store/load bytes)");
  size_t kernels = 0;
  for (const KernelModule &module : m.modules)
    for (const KernelInfo &kernel : module.kernels) {
      ++kernels;
      for (const auto &[arch, r] : kernel.resources)
        std::printf("%-36s %-8s %9lld %lld/%lld\n", kernel.name.c_str(),
                    arch.c_str(), (long long)r.registers,
                    (long long)r.spillStoreBytes, (long long)r.spillLoadBytes);
    }
  std::string archs;
  for (const std::string &arch : m.options.archs)
    archs += (archs.empty() ? "" : ", ") + arch;
  std::printf("wrote %s: %zu kernels in %zu modules for %s, %zu compiled "
              "and %zu from the cache, in %.1f s\n",
              output.c_str(), kernels, m.modules.size(), archs.c_str(),
              report.compiled, report.cacheHits, seconds);
}

} // namespace

int main(int argc, char **argv) {
  // The engine-shape flags start at EngineShape's defaults.
  DriverOptions options;
  std::string emit;
  bool quiet = false;

  CLI::App app{"Compiles an LLM into an engine of fused CUDA kernels."};
  app.add_option("model", options.model,
                 "llama2.c checkpoint, Hugging Face directory or "
                 "config.json, or llm-dialect .mlir file")
      ->required();
  app.add_option("-o,--output", options.output, "engine directory to write");
  app.add_option("--tokenizer", options.tokenizer,
                 "tokenizer.bin or tokenizer.json (default: found beside the "
                 "model)");
  app.add_option("--arch", options.engine.archs,
                 "target archs, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--max-slots", options.engine.maxSlots,
                 "concurrent sequences (decode rows)")
      ->capture_default_str();
  app.add_option("--max-seq-len", options.engine.maxSeqLen,
                 "context of the engine (default and maximum: the model's)");
  app.add_option("--kv-block-size", options.engine.kvBlockSize,
                 "positions per KV-cache block")
      ->capture_default_str();
  app.add_option("--max-prefill-tokens", options.engine.maxPrefillTokens,
                 "prompt tokens per prefill step")
      ->capture_default_str();
  app.add_option("--dtype", options.engine.dtype, "bf16");
  app.add_flag("--synthetic-weights", options.engine.syntheticWeights,
               "random weights of the model's shapes; no weights file");
  app.add_option("--emit", emit,
                 "print the IR after fusion (llm), after memory planning "
                 "(kernel) or the CUDA source (cuda) instead of writing an "
                 "engine, or write the engine's manifest and CUDA sources "
                 "only (manifest: no NVRTC, no weights)")
      ->check(CLI::IsMember({"llm", "kernel", "cuda", "manifest"}));
  app.add_flag("-q,--quiet", quiet, "no progress display");
  app.add_flag("--force", options.force,
               "replace OUT even when it is not an llmc engine directory");
  CLI11_PARSE(app, argc, argv);

  if (emit == "llm")
    options.emit = EmitKind::Llm;
  else if (emit == "kernel")
    options.emit = EmitKind::Kernel;
  else if (emit == "cuda")
    options.emit = EmitKind::Cuda;
  else if (emit == "manifest")
    options.emit = EmitKind::Manifest;
  const bool writes =
      options.emit == EmitKind::Engine || options.emit == EmitKind::Manifest;
  if (writes && options.output.empty())
    return fail(Status::error("no output directory: pass -o OUT.llmc (or "
                              "--emit to print instead)"));

  ProgressLine progress = ProgressLine::forTerminal(quiet);
  StatusOr<CompileReport> report =
      compileModel(options, std::cout, progress, [](const std::string &text) {
        std::cerr << "llm-compile: warning: " << text << "\n";
      });
  progress.finish();
  if (!report.isOk())
    return fail(report.status());
  if (options.emit == EmitKind::Engine)
    printSummary(options.output, *report, progress.elapsedSeconds());
  if (options.emit == EmitKind::Manifest)
    std::printf("wrote %s: the manifest and %zu CUDA sources, no kernels "
                "compiled and no weights, in %.1f s\n",
                options.output.c_str(), report->manifest.modules.size(),
                progress.elapsedSeconds());
  return 0;
}
