// The manifest's lookups, binding names and validation: everything a reader
// of an engine may rely on once validateManifest has passed. The JSON form is
// in ManifestJson.cpp.
#include "runtime/engine/Manifest.h"

#include "runtime/engine/EngineAbi.h"
#include "runtime/engine/LaunchDims.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

namespace llmc {

const Phase *Manifest::findPhase(const std::string &name) const {
  for (const Phase &phase : phases)
    if (phase.name == name)
      return &phase;
  return nullptr;
}

const KernelModule *Manifest::findModule(const std::string &name) const {
  for (const KernelModule &module : modules)
    if (module.name == name)
      return &module;
  return nullptr;
}

std::string formatVersionMessage(int version, const std::string &source) {
  return source + ": format_version " + std::to_string(version) +
         " is not the version this runtime reads (" +
         std::to_string(kManifestFormatVersion) +
         "); recompile the engine with this llm-compile";
}

bool VariantGuard::matches(const std::string &arch, int64_t rows) const {
  if (!archs.empty() &&
      std::find(archs.begin(), archs.end(), arch) == archs.end())
    return false;
  return rows >= minRows && (maxRows == 0 || rows <= maxRows);
}

std::string VariantGuard::describe() const {
  std::string text;
  for (const std::string &arch : archs)
    text += (text.empty() ? "" : ", ") + arch;
  if (minRows > 1 || maxRows > 0) {
    text += text.empty() ? "rows " : ", rows ";
    if (maxRows == 0)
      text += ">= " + std::to_string(minRows);
    else if (minRows <= 1)
      text += "<= " + std::to_string(maxRows);
    else
      text += std::to_string(minRows) + ".." + std::to_string(maxRows);
  }
  return text.empty() ? "always" : text;
}

LaunchShape selectVariant(const KernelLaunch &launch, const std::string &arch,
                          int64_t rows) {
  for (const LaunchVariant &variant : launch.variants)
    if (variant.guard.matches(arch, rows))
      return {&variant.kernel, &variant.grid, variant.blockThreads,
              variant.dynamicSharedBytes};
  return {&launch.kernel, &launch.grid, launch.blockThreads,
          launch.dynamicSharedBytes};
}

//===----------------------------------------------------------------------===//
// Argument kinds and binding names
//===----------------------------------------------------------------------===//

static constexpr ArgKind kArgKinds[] = {
    ArgKind::Arena,    ArgKind::Weight, ArgKind::KvKeys,
    ArgKind::KvValues, ArgKind::Input,  ArgKind::Slot,
    ArgKind::Constant, ArgKind::Scalar, ArgKind::Null};

const char *argKindName(ArgKind kind) {
  switch (kind) {
  case ArgKind::Arena:
    return "arena";
  case ArgKind::Weight:
    return "weight";
  case ArgKind::KvKeys:
    return "kv_keys";
  case ArgKind::KvValues:
    return "kv_values";
  case ArgKind::Input:
    return "input";
  case ArgKind::Slot:
    return "slot";
  case ArgKind::Constant:
    return "constant";
  case ArgKind::Scalar:
    return "scalar";
  case ArgKind::Null:
    return "null";
  }
  return "?";
}

StatusOr<ArgKind> argKindFromName(const std::string &name) {
  for (ArgKind kind : kArgKinds)
    if (name == argKindName(kind))
      return kind;
  return Status::error("unknown argument kind '" + name +
                       "' (expected arena, weight, kv_keys, kv_values, input, "
                       "slot, constant, scalar or null)");
}

const std::vector<std::string> &bindingNames(ArgKind kind) {
  // The engine ABI's lists (EngineAbi.h).
  static const std::vector<std::string> inputs(std::begin(engine::kInputNames),
                                               std::end(engine::kInputNames));
  static const std::vector<std::string> slots = [] {
    std::vector<std::string> names;
    for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
      names.push_back(array.name);
    return names;
  }();
  static const std::vector<std::string> scalars(
      std::begin(engine::kScalarNames), std::end(engine::kScalarNames));
  static const std::vector<std::string> free;
  switch (kind) {
  case ArgKind::Input:
    return inputs;
  case ArgKind::Slot:
    return slots;
  case ArgKind::Scalar:
    return scalars;
  default:
    return free;
  }
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

namespace {

std::string joined(const std::vector<std::string> &names) {
  std::string text;
  for (const std::string &name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

Status checkArena(const KernelArg &arg, uint64_t arenaBytes,
                  const std::string &where) {
  if (arg.offset % kArenaAlignment != 0)
    return Status::error(where + ": arena offset " +
                         std::to_string(arg.offset) + " is not a multiple of " +
                         std::to_string(kArenaAlignment));
  if (arg.bytes == 0)
    return Status::error(where + ": arena binding has 0 bytes");
  // Written as a subtraction: offset + bytes may wrap for hostile values.
  if (arg.offset > arenaBytes || arg.bytes > arenaBytes - arg.offset)
    return Status::error(
        where + ": arena binding [" + std::to_string(arg.offset) + ", " +
        std::to_string(arg.offset + arg.bytes) + ") is outside the arena of " +
        std::to_string(arenaBytes) + " bytes");
  return Status::ok();
}

Status checkArg(const Manifest &m, const Phase &phase, const KernelArg &arg,
                const std::string &where) {
  switch (arg.kind) {
  case ArgKind::Arena:
    return checkArena(arg, phase.arenaBytes, where);
  case ArgKind::Weight:
    if (!m.weights.find(arg.name))
      return Status::error(where + ": weight '" + arg.name +
                           "' is not in the weight layout");
    return Status::ok();
  case ArgKind::KvKeys:
  case ArgKind::KvValues:
    if (arg.layer < 0 || arg.layer >= m.kvCache.numLayers)
      return Status::error(where + ": layer " + std::to_string(arg.layer) +
                           " is outside the KV cache's " +
                           std::to_string(m.kvCache.numLayers) + " layers");
    return Status::ok();
  case ArgKind::Constant:
    if (!m.constants.count(arg.name))
      return Status::error(where + ": constant '" + arg.name +
                           "' is not among the manifest's constants");
    return Status::ok();
  case ArgKind::Null:
    return Status::ok();
  case ArgKind::Input:
  case ArgKind::Slot:
  case ArgKind::Scalar: {
    const std::vector<std::string> &names = bindingNames(arg.kind);
    if (std::find(names.begin(), names.end(), arg.name) == names.end())
      return Status::error(where + ": unknown " + argKindName(arg.kind) + " '" +
                           arg.name + "' (expected one of " + joined(names) +
                           ")");
    return Status::ok();
  }
  }
  return Status::ok();
}

Status checkCost(const CostTerms &terms, const std::string &where) {
  for (double value : {terms.fixed, terms.perRow, terms.perRowContext})
    if (!std::isfinite(value) || value < 0)
      return Status::error(where + " has the term " + std::to_string(value) +
                           "; cost terms are finite and non-negative");
  return Status::ok();
}

/// What a launch and each of its variants state about the kernel they run:
/// which one and how it is launched.
struct KernelShape {
  const std::string &kernel;
  const std::array<std::string, 3> &grid;
  int64_t blockThreads;
  int64_t dynamicSharedBytes;
};

Status checkKernelShape(const KernelModule &module, const KernelShape &shape,
                        const std::string &where) {
  bool known =
      std::any_of(module.kernels.begin(), module.kernels.end(),
                  [&](const KernelInfo &k) { return k.name == shape.kernel; });
  if (!known)
    return Status::error(where + ": kernel '" + shape.kernel +
                         "' is not in module '" + module.name + "'");
  static const char *kAxes[] = {"x", "y", "z"};
  for (int axis = 0; axis < 3; ++axis) {
    StatusOr<LaunchDim> dim = parseLaunchDim(shape.grid[axis]);
    if (!dim.isOk())
      return dim.status().withContext(where + ": grid " + kAxes[axis]);
  }
  if (shape.blockThreads < 1 || shape.blockThreads > 1024)
    return Status::error(where + ": block of " +
                         std::to_string(shape.blockThreads) +
                         " threads (must be 1..1024)");
  if (shape.dynamicSharedBytes < 0)
    return Status::error(where + ": negative dynamic shared memory");
  return Status::ok();
}

Status checkVariant(const Manifest &m, const KernelModule &module,
                    const LaunchVariant &variant, const std::string &where) {
  const VariantGuard &guard = variant.guard;
  for (const std::string &arch : guard.archs)
    if (std::find(m.options.archs.begin(), m.options.archs.end(), arch) ==
        m.options.archs.end())
      return Status::error(where + ": guard names arch '" + arch +
                           "', which is not among the compiled archs");
  if (guard.minRows < 0 || guard.maxRows < 0 ||
      (guard.maxRows > 0 && guard.maxRows < guard.minRows))
    return Status::error(where + ": guard rows " +
                         std::to_string(guard.minRows) + ".." +
                         std::to_string(guard.maxRows) +
                         " (min_rows >= 0, and max_rows 0 or >= min_rows)");
  return checkKernelShape(module,
                          {variant.kernel, variant.grid, variant.blockThreads,
                           variant.dynamicSharedBytes},
                          where);
}

Status checkLaunch(const Manifest &m, const Phase &phase,
                   const KernelModule &module, const KernelLaunch &launch,
                   const std::string &where) {
  LLMC_RETURN_IF_ERROR(
      checkKernelShape(module,
                       {launch.kernel, launch.grid, launch.blockThreads,
                        launch.dynamicSharedBytes},
                       where));
  for (size_t i = 0; i < launch.variants.size(); ++i)
    LLMC_RETURN_IF_ERROR(checkVariant(m, module, launch.variants[i],
                                      where + " variant " + std::to_string(i) +
                                          " (" + launch.variants[i].kernel +
                                          ")"));
  for (size_t i = 0; i < launch.args.size(); ++i)
    LLMC_RETURN_IF_ERROR(checkArg(m, phase, launch.args[i],
                                  where + " arg " + std::to_string(i) + " (" +
                                      argKindName(launch.args[i].kind) + ")"));
  LLMC_RETURN_IF_ERROR(checkCost(launch.cost.flops, where + ": cost.flops"));
  return checkCost(launch.cost.bytes, where + ": cost.bytes");
}

Status checkFileHashed(const Manifest &m, const std::string &path,
                       const std::string &field) {
  LLMC_RETURN_IF_ERROR(checkEngineRelativePath(path, field));
  if (!m.fileHashes.count(path))
    return Status::error(field + " '" + path + "' has no entry in file_hashes");
  return Status::ok();
}

Status checkModule(const Manifest &m, const KernelModule &module) {
  const std::string where = "module '" + module.name + "'";
  LLMC_RETURN_IF_ERROR(checkFileHashed(m, module.source, where + " source"));
  if (!module.ptx.empty()) {
    LLMC_RETURN_IF_ERROR(checkFileHashed(m, module.ptx, where + " ptx"));
    if (module.ptxArch.empty())
      return Status::error(where + " has PTX but no ptx_arch");
  }
  for (const auto &[arch, path] : module.cubins) {
    if (std::find(m.options.archs.begin(), m.options.archs.end(), arch) ==
        m.options.archs.end())
      return Status::error(where + " has a cubin for " + arch +
                           ", which is not among the compiled archs (" +
                           joined(m.options.archs) + ")");
    LLMC_RETURN_IF_ERROR(
        checkFileHashed(m, path, where + " cubin for " + arch));
  }
  std::set<std::string> names;
  for (const KernelInfo &kernel : module.kernels) {
    if (kernel.name.empty())
      return Status::error(where + " has a kernel without a name");
    if (!names.insert(kernel.name).second)
      return Status::error(where + " lists kernel '" + kernel.name + "' twice");
    for (const auto &entry : kernel.resources)
      if (!module.cubins.count(entry.first))
        return Status::error(where + " kernel '" + kernel.name +
                             "' has resources for " + entry.first +
                             " but the module has no cubin for it");
  }
  return Status::ok();
}

Status checkOptions(const Manifest &m) {
  const CompileOptions &o = m.options;
  if (o.archs.empty())
    return Status::error("options.archs is empty");
  if (o.maxSlots < 1)
    return Status::error("options.max_slots must be positive");
  if (o.maxSeqLen < 1 || o.maxSeqLen > m.config.maxSeqLen)
    return Status::error("options.max_seq_len " + std::to_string(o.maxSeqLen) +
                         " is outside 1.." +
                         std::to_string(m.config.maxSeqLen) +
                         " (the model's context)");
  if (o.kvBlockSize < 1)
    return Status::error("options.kv_block_size must be positive");
  if (o.maxPrefillTokens < 1)
    return Status::error("options.max_prefill_tokens must be positive");
  if (o.dtype != "bf16")
    return Status::error("options.dtype '" + o.dtype +
                         "' is not supported (bf16 only)");
  const KvCacheSpec &kv = m.kvCache;
  if (kv.numLayers != m.config.numLayers ||
      kv.numKvHeads != m.config.numKvHeads || kv.headDim != m.config.headDim)
    return Status::error("kv_cache (" + std::to_string(kv.numLayers) +
                         " layers, " + std::to_string(kv.numKvHeads) +
                         " kv heads, head_dim " + std::to_string(kv.headDim) +
                         ") does not match the model config");
  if (kv.blockSize != o.kvBlockSize)
    return Status::error("kv_cache.block_size " + std::to_string(kv.blockSize) +
                         " differs from options.kv_block_size " +
                         std::to_string(o.kvBlockSize));
  if (kv.maxBlocksPerSeq * kv.blockSize < o.maxSeqLen)
    return Status::error(
        "kv_cache.max_blocks_per_seq " + std::to_string(kv.maxBlocksPerSeq) +
        " blocks cannot hold max_seq_len " + std::to_string(o.maxSeqLen));
  return Status::ok();
}

} // namespace

Status validateManifest(const Manifest &m, const std::string &source) {
  auto inSource = [&](Status status) { return status.withContext(source); };
  if (m.formatVersion != kManifestFormatVersion)
    return Status::error(formatVersionMessage(m.formatVersion, source));
  LLMC_RETURN_IF_ERROR(m.config.validate(source));
  LLMC_RETURN_IF_ERROR(inSource(checkOptions(m)));
  LLMC_RETURN_IF_ERROR(inSource(m.weights.validate()));
  if (m.options.syntheticWeights != m.weightsFile.empty())
    return Status::error(
        source + (m.options.syntheticWeights
                      ? ": an engine with synthetic weights has no weights_file"
                      : ": weights_file is missing"));
  if (!m.weightsFile.empty())
    LLMC_RETURN_IF_ERROR(
        inSource(checkFileHashed(m, m.weightsFile, "weights_file")));
  if (!m.tokenizer.file.empty()) {
    LLMC_RETURN_IF_ERROR(
        inSource(checkFileHashed(m, m.tokenizer.file, "tokenizer.file")));
    if (m.tokenizer.kind != "llama2c" && m.tokenizer.kind != "hf")
      return Status::error(source + ": tokenizer.kind '" + m.tokenizer.kind +
                           "' is not llama2c or hf");
  }
  for (const auto &[name, values] : m.constants)
    if (values.empty())
      return Status::error(source + ": constant '" + name + "' is empty");
  for (const auto &[path, hash] : m.fileHashes)
    if (hash.size() != 64 ||
        hash.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Status::error(source + ": file_hashes['" + path + "'] '" + hash +
                           "' is not a lower-case hex sha256");

  std::set<std::string> moduleNames;
  for (const KernelModule &module : m.modules) {
    if (!moduleNames.insert(module.name).second)
      return Status::error(source + ": module '" + module.name +
                           "' appears twice");
    LLMC_RETURN_IF_ERROR(inSource(checkModule(m, module)));
  }
  std::set<std::string> phaseNames;
  for (const Phase &phase : m.phases) {
    const std::string where = "phase '" + phase.name + "'";
    if (!phaseNames.insert(phase.name).second)
      return Status::error(source + ": " + where + " appears twice");
    if (phase.maxRows < 1)
      return Status::error(source + ": " + where + " has max_rows " +
                           std::to_string(phase.maxRows));
    const KernelModule *module = m.findModule(phase.module);
    if (!module)
      return Status::error(source + ": " + where + " names module '" +
                           phase.module + "', which the manifest lacks");
    for (size_t i = 0; i < phase.launches.size(); ++i)
      LLMC_RETURN_IF_ERROR(
          inSource(checkLaunch(m, phase, *module, phase.launches[i],
                               where + " launch " + std::to_string(i) + " (" +
                                   phase.launches[i].kernel + ")")));
    for (const auto &[name, arg] : phase.outputs) {
      const std::string field = where + " output '" + name + "'";
      if (arg.kind != ArgKind::Arena)
        return Status::error(source + ": " + field + " is a " +
                             argKindName(arg.kind) +
                             " binding; outputs live in the arena");
      LLMC_RETURN_IF_ERROR(inSource(checkArena(arg, phase.arenaBytes, field)));
    }
  }
  // Ranges and consistency, once the structure they rely on is known sound.
  return inSource(checkManifestRanges(m));
}

} // namespace llmc
