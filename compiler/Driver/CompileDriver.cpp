// The compile driver's stages, in order.
#include "compiler/Driver/CompileDriver.h"

#include "compiler/Codegen/CudaEmitter.h"
#include "compiler/Codegen/KernelIrReader.h"
#include "compiler/Codegen/ManifestEntries.h"
#include "compiler/Driver/ModelSource.h"
#include "compiler/Driver/ModuleCompiler.h"
#include "compiler/Driver/StagedDirectory.h"
#include "compiler/Driver/WeightPacker.h"
#include "compiler/Driver/WeightRecipes.h"
#include "compiler/Frontend/ModuleBuilder.h"
#include "compiler/Nvrtc/CompileCache.h"
#include "compiler/kernels/registry/KernelSelection.h"
#include "dialects/Kernel/IR/KernelDialect.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "passes/Pipelines.h"
#include "runtime/engine/EngineDirectory.h"
#include "runtime/support/Sha256.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_os_ostream.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace llmc {

namespace {

using codegen::PhaseSource;
using codegen::PhaseSpec;

constexpr const char *kCompilerName = "llm-compile 0.1";

std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / (1 << 20));
  return text;
}

/// Whether `emit` writes an engine directory (else it prints).
bool writesDirectory(EmitKind emit) {
  return emit == EmitKind::Engine || emit == EmitKind::Manifest;
}

/// Everything about the options that can be checked before loading anything.
Status checkOptions(const DriverOptions &options) {
  const CompileOptions &o = options.engine;
  if (writesDirectory(options.emit) && options.output.empty())
    return Status::error("no output directory (-o OUT.llmc)");
  if (o.maxSlots < 1)
    return Status::error("--max-slots must be positive, got " +
                         std::to_string(o.maxSlots));
  if (o.maxPrefillTokens < 1)
    return Status::error("--max-prefill-tokens must be positive, got " +
                         std::to_string(o.maxPrefillTokens));
  if (o.maxSeqLen < 0)
    return Status::error("--max-seq-len must be positive, got " +
                         std::to_string(o.maxSeqLen));
  // The limits a manifest is read with, checked before any IR is built, so
  // an absurd value is named here rather than failing deep in MLIR or NVRTC.
  struct Limit {
    const char *flag;
    int64_t value, maximum;
  };
  for (const Limit &limit :
       {Limit{"--max-slots", o.maxSlots, ManifestLimits::kMaxSlots},
        Limit{"--max-prefill-tokens", o.maxPrefillTokens,
              ManifestLimits::kMaxPrefillTokens},
        Limit{"--kv-block-size", o.kvBlockSize,
              ManifestLimits::kMaxKvBlockSize},
        Limit{"--max-seq-len", o.maxSeqLen, ConfigLimits::kMaxSeqLen}})
    if (limit.value > limit.maximum)
      return Status::error(
          std::string(limit.flag) + " " + std::to_string(limit.value) +
          " exceeds the limit of " + std::to_string(limit.maximum));
  if (o.dtype != "bf16")
    return Status::error("--dtype " + o.dtype +
                         " is not supported: engines are bf16");
  LLMC_RETURN_IF_ERROR(checkKernelOptions(o));
  return checkArchNames(o.archs);
}

/// The engine's context: --max-seq-len, at most the model's.
StatusOr<int64_t> engineContext(const DriverOptions &options,
                                const ModelSource &source) {
  int64_t model = source.config.maxSeqLen;
  int64_t asked = options.engine.maxSeqLen;
  if (asked == 0)
    return model;
  if (asked > model)
    return Status::error("--max-seq-len " + std::to_string(asked) +
                         " exceeds the model's context of " +
                         std::to_string(model) + " positions");
  if (source.module && asked != model)
    return Status::error("--max-seq-len " + std::to_string(asked) +
                         ": an llm-dialect model's context is fixed by its "
                         "kv_cache type (" +
                         std::to_string(model) + " positions)");
  return asked;
}

/// Runs `pm` on `module`; a failure carries the diagnostics it emitted.
Status runPasses(mlir::PassManager &pm, mlir::ModuleOp module) {
  std::string messages;
  mlir::ScopedDiagnosticHandler handler(
      module.getContext(), [&](mlir::Diagnostic &diagnostic) {
        if (diagnostic.getSeverity() != mlir::DiagnosticSeverity::Error)
          return mlir::success();
        std::string location;
        if (auto file =
                llvm::dyn_cast<mlir::FileLineColLoc>(diagnostic.getLocation()))
          location = file.getFilename().str() + ":" +
                     std::to_string(file.getLine()) + ": ";
        messages +=
            (messages.empty() ? "" : "\n") + location + diagnostic.str();
        return mlir::success();
      });
  if (mlir::failed(pm.run(module)))
    return Status::error(messages.empty() ? "the pass pipeline failed"
                                          : messages);
  return Status::ok();
}

void print(mlir::ModuleOp module, std::ostream &out) {
  llvm::raw_os_ostream os(out);
  module.print(os);
  os << "\n";
}

/// The KV-cache geometry, checked against what the kernels baked in.
StatusOr<KvCacheSpec> kvCacheSpec(const ModelConfig &config,
                                  const CompileOptions &options,
                                  const std::vector<PhaseSpec> &phases) {
  KvCacheSpec kv;
  kv.numLayers = config.numLayers;
  kv.numKvHeads = config.numKvHeads;
  kv.headDim = config.headDim;
  kv.blockSize = options.kvBlockSize;
  kv.maxBlocksPerSeq =
      (options.maxSeqLen + options.kvBlockSize - 1) / options.kvBlockSize;
  for (const PhaseSpec &phase : phases)
    for (const codegen::LaunchSpec &launch : phase.launches) {
      auto baked = launch.constants.find("max_blocks_per_seq");
      if (baked != launch.constants.end() &&
          baked->second.integer != kv.maxBlocksPerSeq)
        return Status::error(
            "kernel '" + launch.kernel + "' addresses block tables of " +
            std::to_string(baked->second.integer) +
            " blocks, the engine's have " + std::to_string(kv.maxBlocksPerSeq));
    }
  return kv;
}

/// Fills a module's PTX, cubin paths and per-arch resources, and writes the
/// binaries into the engine.
Status recordBinaries(const CompiledUnit &unit, const PhaseSource &source,
                      KernelModule &module, StagedDirectory &engine) {
  for (const ArchBinary &binary : unit.binaries) {
    std::string cubin = codegen::engineCubinPath(module.name, binary.arch);
    LLMC_RETURN_IF_ERROR(engine.writeFile(
        cubin, std::string(binary.cubin.begin(), binary.cubin.end())));
    module.cubins[binary.arch] = cubin;
    if (!binary.ptx.empty()) {
      module.ptx = codegen::enginePtxPath(module.name, binary.arch);
      module.ptxArch = binary.arch;
      LLMC_RETURN_IF_ERROR(engine.writeFile(module.ptx, binary.ptx));
    }
    for (KernelInfo &kernel : module.kernels) {
      // An arch-guarded variant's kernel is only in its archs' code.
      auto only = source.onlyArchs.find(kernel.name);
      if (only != source.onlyArchs.end() &&
          std::find(only->second.begin(), only->second.end(), binary.arch) ==
              only->second.end())
        continue;
      auto reported = std::find_if(binary.kernels.begin(), binary.kernels.end(),
                                   [&](const nvrtc::KernelResources &r) {
                                     return r.mangledName == kernel.name;
                                   });
      if (reported == binary.kernels.end())
        return Status::error("ptxas reported nothing for kernel '" +
                             kernel.name + "' of " + unit.fileName + " on " +
                             binary.arch);
      KernelResources &r = kernel.resources[binary.arch];
      r.registers = reported->registers;
      r.spillStoreBytes = reported->spillStoreBytes;
      r.spillLoadBytes = reported->spillLoadBytes;
      r.stackBytes = reported->stackFrameBytes;
      r.staticSharedBytes = reported->sharedBytes;
    }
  }
  return Status::ok();
}

/// Compiles every unit with NVRTC for the engine's archs and records the
/// binaries in `manifest`'s modules and in the engine.
StatusOr<CompileReport>
compileKernels(const std::vector<PhaseSource> &units,
               const CompileOptions &engineOptions, Manifest &manifest,
               StagedDirectory &engine, ProgressLine &progress,
               const std::function<void(const std::string &)> &warn) {
  LLMC_ASSIGN_OR_RETURN(nvrtc::Nvrtc nvrtc, nvrtc::Nvrtc::load());
  LLMC_RETURN_IF_ERROR(checkArchs(engineOptions.archs, nvrtc));
  LLMC_ASSIGN_OR_RETURN(std::string cacheDirectory,
                        nvrtc::CompileCache::defaultDirectory());
  nvrtc::CompileCache cache(cacheDirectory);
  progress.stage("compiling " + std::to_string(units.size()) + " modules");
  std::vector<std::string> warnings;
  StatusOr<std::vector<CompiledUnit>> compiled = compileUnits(
      units, engineOptions.archs, nvrtc, cache, progress, warnings);
  for (const std::string &warning : warnings)
    warn(warning + " (recompiled)");
  if (!compiled.isOk())
    return compiled.status();
  CompileReport report;
  for (size_t i = 0; i < compiled->size(); ++i) {
    LLMC_RETURN_IF_ERROR(
        recordBinaries((*compiled)[i], units[i], manifest.modules[i], engine));
    for (const ArchBinary &binary : (*compiled)[i].binaries)
      ++(binary.cacheHit ? report.cacheHits : report.compiled);
  }
  return report;
}

/// "tokenizer.bin" (llama2.c) or "tokenizer.json" (Hugging Face).
TokenizerRef tokenizerRef(const std::string &path) {
  if (path.empty())
    return {};
  bool hf = std::filesystem::path(path).extension() == ".json";
  return hf ? TokenizerRef{"tokenizer.json", "hf"}
            : TokenizerRef{"tokenizer.bin", "llama2c"};
}

} // namespace

StatusOr<CompileReport>
compileModel(const DriverOptions &options, std::ostream &emitted,
             ProgressLine &progress,
             const std::function<void(const std::string &)> &warn) {
  LLMC_RETURN_IF_ERROR(checkOptions(options));
  // Claimed before any work, so that an output that cannot be written fails
  // at once.
  std::unique_ptr<StagedDirectory> engine;
  if (writesDirectory(options.emit)) {
    LLMC_ASSIGN_OR_RETURN(
        engine, StagedDirectory::create(options.output, options.force));
  }

  mlir::DialectRegistry registry;
  registry.insert<mlir::llm::LLMDialect, mlir::kernel::KernelDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect>();
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  progress.stage("loading " + options.model);
  // A manifest-only compile reads no weights.
  LLMC_ASSIGN_OR_RETURN(ModelSource source,
                        loadModelSource(options.model, options.tokenizer,
                                        options.engine.syntheticWeights ||
                                            options.emit == EmitKind::Manifest,
                                        context));
  // Said before the long work, so it can be fixed before the engine exists.
  if (options.emit == EmitKind::Engine && source.tokenizerPath.empty())
    warn("no tokenizer found for " + options.model +
         ": the engine will have none, and running it will need --tokenizer "
         "PATH");
  CompileOptions engineOptions = options.engine;
  LLMC_ASSIGN_OR_RETURN(engineOptions.maxSeqLen,
                        engineContext(options, source));
  engineOptions.syntheticWeights = source.syntheticWeights;

  progress.stage("building the llm module");
  mlir::OwningOpRef<mlir::ModuleOp> module = std::move(source.module);
  if (!module) {
    ModelConfig capped = source.config;
    capped.maxSeqLen = engineOptions.maxSeqLen;
    LLMC_ASSIGN_OR_RETURN(module,
                          buildModelModule(context, capped, source.weights));
  }

  mlir::PassManager pm(&context);
  if (options.emit == EmitKind::Llm) {
    progress.stage("running the fusion pipeline");
    mlir::llm::buildFusionPipeline(pm, engineOptions);
  } else {
    progress.stage("running the kernel pipeline");
    mlir::llm::buildKernelPipeline(pm, engineOptions);
  }
  LLMC_RETURN_IF_ERROR(runPasses(pm, *module).withContext(options.model));
  if (options.emit == EmitKind::Llm || options.emit == EmitKind::Kernel) {
    progress.finish();
    print(*module, emitted);
    return CompileReport{};
  }

  progress.stage("generating CUDA");
  LLMC_ASSIGN_OR_RETURN(std::vector<PhaseSpec> phases,
                        codegen::readKernelPhases(*module));
  std::vector<PhaseSource> units;
  for (const PhaseSpec &phase : phases) {
    LLMC_ASSIGN_OR_RETURN(PhaseSource unit, codegen::emitPhaseSource(phase));
    units.push_back(std::move(unit));
  }
  if (options.emit == EmitKind::Cuda) {
    progress.finish();
    for (const PhaseSource &unit : units)
      emitted << unit.source << "\n";
    return CompileReport{};
  }

  Manifest manifest;
  manifest.compiler = kCompilerName;
  manifest.config = source.config;
  manifest.options = engineOptions;
  LLMC_ASSIGN_OR_RETURN(manifest.kvCache,
                        kvCacheSpec(source.config, engineOptions, phases));
  LLMC_ASSIGN_OR_RETURN(manifest.constants,
                        codegen::engineConstants(phases, source.config));
  LLMC_ASSIGN_OR_RETURN(std::vector<WeightRecipe> recipes,
                        weightRecipes(*module));
  LLMC_ASSIGN_OR_RETURN(manifest.weights,
                        planWeightLayout(recipes, source.weights));
  for (size_t i = 0; i < phases.size(); ++i) {
    manifest.phases.push_back(codegen::phaseEntry(phases[i]));
    manifest.modules.push_back(codegen::moduleEntry(phases[i].name, units[i]));
    LLMC_RETURN_IF_ERROR(engine->writeFile(
        codegen::engineSourcePath(phases[i].name), units[i].source));
  }
  module = nullptr; // the IR is not needed past this point

  CompileReport report;
  if (options.emit == EmitKind::Engine) {
    LLMC_ASSIGN_OR_RETURN(report, compileKernels(units, engineOptions, manifest,
                                                 *engine, progress, warn));
  }

  if (!engineOptions.syntheticWeights) {
    progress.stage("packing weights (" + mib(manifest.weights.totalBytes) +
                   ")");
    manifest.weightsFile = "weights.bin";
    LLMC_RETURN_IF_ERROR(writePackedWeights(engine->pathOf("weights.bin"),
                                            manifest.weights, source.weights));
    LLMC_RETURN_IF_ERROR(engine->adoptFile("weights.bin"));
  }
  manifest.tokenizer = tokenizerRef(source.tokenizerPath);
  if (!manifest.tokenizer.file.empty())
    LLMC_RETURN_IF_ERROR(
        engine->copyFile(manifest.tokenizer.file, source.tokenizerPath));

  progress.stage("writing " + options.output);
  manifest.fileHashes = engine->fileHashes();
  const std::string manifestPath = options.output + "/" + kManifestFileName;
  LLMC_RETURN_IF_ERROR(validateManifest(manifest, manifestPath));
  const std::string manifestText = toJson(manifest).dump(2) + "\n";
  LLMC_RETURN_IF_ERROR(engine->writeFile(kManifestFileName, manifestText));
  // The manifest's own digest, which the runtime checks before trusting it.
  LLMC_RETURN_IF_ERROR(engine->writeFile(
      kManifestDigestFileName,
      manifestDigestText(Sha256::hex(Sha256::of(manifestText)))));
  LLMC_RETURN_IF_ERROR(engine->commit());
  progress.finish();
  report.manifest = std::move(manifest);
  return report;
}

} // namespace llmc
