// The manifest's JSON form, manifest.json (runtime/engine/README.md describes
// every field).
//
// Reading is two steps: the JSON is parsed into the structs (a missing or
// mistyped field is reported with its path, e.g. phases[1].launches[3].grid),
// then validateManifest (Manifest.cpp) checks the cross references.
#include "runtime/engine/Manifest.h"

#include "runtime/engine/ModelConfigJson.h"

#include <nlohmann/json.hpp>

#include <exception>

namespace llmc {

using nlohmann::json;

namespace {

json argToJson(const KernelArg &arg) {
  json j = {{"kind", argKindName(arg.kind)}};
  switch (arg.kind) {
  case ArgKind::Arena:
    j["offset"] = arg.offset;
    j["bytes"] = arg.bytes;
    break;
  case ArgKind::KvKeys:
  case ArgKind::KvValues:
    j["layer"] = arg.layer;
    break;
  case ArgKind::Null:
    break;
  default:
    j["name"] = arg.name;
    break;
  }
  return j;
}

json costToJson(const CostTerms &terms) {
  return {{"fixed", terms.fixed},
          {"per_row", terms.perRow},
          {"per_row_context", terms.perRowContext}};
}

json launchToJson(const KernelLaunch &launch) {
  json args = json::array();
  for (const KernelArg &arg : launch.args)
    args.push_back(argToJson(arg));
  json j = {{"kernel", launch.kernel},
            {"fused", launch.fused},
            {"grid", launch.grid},
            {"block_threads", launch.blockThreads},
            {"dynamic_shared_bytes", launch.dynamicSharedBytes},
            {"args", std::move(args)},
            {"cost",
             {{"flops", costToJson(launch.cost.flops)},
              {"bytes", costToJson(launch.cost.bytes)}}}};
  json variants = json::array();
  for (const LaunchVariant &variant : launch.variants)
    variants.push_back({{"kernel", variant.kernel},
                        {"archs", variant.guard.archs},
                        {"min_rows", variant.guard.minRows},
                        {"max_rows", variant.guard.maxRows},
                        {"grid", variant.grid},
                        {"block_threads", variant.blockThreads},
                        {"dynamic_shared_bytes", variant.dynamicSharedBytes}});
  j["variants"] = std::move(variants);
  return j;
}

json moduleToJson(const KernelModule &module) {
  json kernels = json::array();
  for (const KernelInfo &kernel : module.kernels) {
    json resources = json::object();
    for (const auto &[arch, r] : kernel.resources)
      resources[arch] = {{"registers", r.registers},
                         {"spill_store_bytes", r.spillStoreBytes},
                         {"spill_load_bytes", r.spillLoadBytes},
                         {"stack_bytes", r.stackBytes},
                         {"static_shared_bytes", r.staticSharedBytes}};
    kernels.push_back({{"name", kernel.name},
                       {"instantiation", kernel.instantiation},
                       {"resources", std::move(resources)}});
  }
  return {{"name", module.name},     {"source", module.source},
          {"ptx", module.ptx},       {"ptx_arch", module.ptxArch},
          {"cubins", module.cubins}, {"kernels", std::move(kernels)}};
}

json phaseToJson(const Phase &phase) {
  json launches = json::array();
  for (const KernelLaunch &launch : phase.launches)
    launches.push_back(launchToJson(launch));
  json outputs = json::object();
  for (const auto &[name, arg] : phase.outputs)
    outputs[name] = argToJson(arg);
  return {{"name", phase.name},
          {"module", phase.module},
          {"max_rows", phase.maxRows},
          {"arena_bytes", phase.arenaBytes},
          {"launches", std::move(launches)},
          {"outputs", std::move(outputs)},
          {"programmatic_launch", phase.programmaticLaunch}};
}

/// Thrown inside the parser for a value that is well-formed JSON but not a
/// valid manifest value (an unknown enum spelling); caught in
/// manifestFromJson.
struct ManifestValueError : std::exception {
  explicit ManifestValueError(std::string message)
      : message(std::move(message)) {}
  const char *what() const noexcept override { return message.c_str(); }
  std::string message;
};

/// Reads the JSON into the structs, keeping the path of the value being read
/// (phases[1].launches[3].grid) so that an error can name it. A scope leaves
/// the path only when it ends normally: after an exception the path still
/// names the place that failed.
class ManifestReader {
public:
  Manifest read(const json &j) {
    Manifest m;
    m.formatVersion = field(j, "format_version").get<int>();
    if (m.formatVersion != kManifestFormatVersion)
      return m; // the caller reports it; the rest may be laid out otherwise
    m.compiler = field(j, "compiler").get<std::string>();
    m.options = readOptions(j);
    m.kvCache = readKvCache(j);
    {
      Scope scope(*this, "modules");
      const json &modules = j.at("modules");
      for (size_t i = 0; i < modules.size(); ++i) {
        Scope item(*this, "[" + std::to_string(i) + "]");
        m.modules.push_back(readModule(modules.at(i)));
      }
    }
    {
      Scope scope(*this, "phases");
      const json &phases = j.at("phases");
      for (size_t i = 0; i < phases.size(); ++i) {
        Scope item(*this, "[" + std::to_string(i) + "]");
        m.phases.push_back(readPhase(phases.at(i)));
      }
    }
    m.weightsFile = field(j, "weights_file").get<std::string>();
    {
      Scope scope(*this, "tokenizer");
      const json &tokenizer = j.at("tokenizer");
      m.tokenizer.file = field(tokenizer, "file").get<std::string>();
      m.tokenizer.kind = field(tokenizer, "kind").get<std::string>();
    }
    m.constants =
        field(j, "constants").get<std::map<std::string, std::vector<float>>>();
    m.fileHashes =
        field(j, "file_hashes").get<std::map<std::string, std::string>>();
    return m;
  }

  /// "phases[1].launches[3].grid": where reading stopped.
  std::string path() const {
    std::string text;
    for (const std::string &part : path_)
      text += (text.empty() || part.front() == '[' ? "" : ".") + part;
    return text;
  }

private:
  class Scope {
  public:
    Scope(ManifestReader &reader, std::string part)
        : reader_(reader), exceptions_(std::uncaught_exceptions()) {
      reader_.path_.push_back(std::move(part));
    }
    ~Scope() {
      if (std::uncaught_exceptions() == exceptions_)
        reader_.path_.pop_back();
    }

  private:
    ManifestReader &reader_;
    int exceptions_;
  };

  CompileOptions readOptions(const json &manifest) {
    Scope scope(*this, "options");
    const json &j = manifest.at("options");
    CompileOptions o;
    o.archs = field(j, "archs").get<std::vector<std::string>>();
    o.maxSlots = field(j, "max_slots").get<int64_t>();
    o.maxSeqLen = field(j, "max_seq_len").get<int64_t>();
    o.kvBlockSize = field(j, "kv_block_size").get<int64_t>();
    o.maxPrefillTokens = field(j, "max_prefill_tokens").get<int64_t>();
    o.dtype = field(j, "dtype").get<std::string>();
    o.syntheticWeights = field(j, "synthetic_weights").get<bool>();
    return o;
  }

  KvCacheSpec readKvCache(const json &manifest) {
    Scope scope(*this, "kv_cache");
    const json &j = manifest.at("kv_cache");
    KvCacheSpec kv;
    kv.numLayers = field(j, "num_layers").get<int64_t>();
    kv.numKvHeads = field(j, "num_kv_heads").get<int64_t>();
    kv.headDim = field(j, "head_dim").get<int64_t>();
    kv.blockSize = field(j, "block_size").get<int64_t>();
    kv.maxBlocksPerSeq = field(j, "max_blocks_per_seq").get<int64_t>();
    return kv;
  }

  KernelModule readModule(const json &j) {
    KernelModule module;
    module.name = field(j, "name").get<std::string>();
    module.source = field(j, "source").get<std::string>();
    module.ptx = field(j, "ptx").get<std::string>();
    module.ptxArch = field(j, "ptx_arch").get<std::string>();
    module.cubins =
        field(j, "cubins").get<std::map<std::string, std::string>>();
    Scope scope(*this, "kernels");
    const json &kernels = j.at("kernels");
    for (size_t i = 0; i < kernels.size(); ++i) {
      Scope item(*this, "[" + std::to_string(i) + "]");
      const json &jk = kernels.at(i);
      KernelInfo kernel;
      kernel.name = field(jk, "name").get<std::string>();
      kernel.instantiation = field(jk, "instantiation").get<std::string>();
      Scope resources(*this, "resources");
      for (const auto &[arch, jr] : jk.at("resources").items()) {
        Scope perArch(*this, arch);
        KernelResources &r = kernel.resources[arch];
        r.registers = field(jr, "registers").get<int64_t>();
        r.spillStoreBytes = field(jr, "spill_store_bytes").get<int64_t>();
        r.spillLoadBytes = field(jr, "spill_load_bytes").get<int64_t>();
        r.stackBytes = field(jr, "stack_bytes").get<int64_t>();
        r.staticSharedBytes = field(jr, "static_shared_bytes").get<int64_t>();
      }
      module.kernels.push_back(std::move(kernel));
    }
    return module;
  }

  Phase readPhase(const json &j) {
    Phase phase;
    phase.name = field(j, "name").get<std::string>();
    phase.module = field(j, "module").get<std::string>();
    phase.maxRows = field(j, "max_rows").get<int64_t>();
    phase.arenaBytes = field(j, "arena_bytes").get<uint64_t>();
    if (j.contains("programmatic_launch"))
      phase.programmaticLaunch = field(j, "programmatic_launch").get<bool>();
    {
      Scope scope(*this, "launches");
      const json &launches = j.at("launches");
      for (size_t i = 0; i < launches.size(); ++i) {
        Scope item(*this, "[" + std::to_string(i) + "]");
        phase.launches.push_back(readLaunch(launches.at(i)));
      }
    }
    Scope scope(*this, "outputs");
    for (const auto &[name, arg] : j.at("outputs").items()) {
      Scope item(*this, name);
      phase.outputs[name] = readArg(arg);
    }
    return phase;
  }

  KernelLaunch readLaunch(const json &j) {
    KernelLaunch launch;
    launch.kernel = field(j, "kernel").get<std::string>();
    launch.fused = field(j, "fused").get<std::vector<std::string>>();
    launch.grid = field(j, "grid").get<std::array<std::string, 3>>();
    launch.blockThreads = field(j, "block_threads").get<int64_t>();
    launch.dynamicSharedBytes = field(j, "dynamic_shared_bytes").get<int64_t>();
    {
      Scope scope(*this, "args");
      const json &args = j.at("args");
      for (size_t i = 0; i < args.size(); ++i) {
        Scope item(*this, "[" + std::to_string(i) + "]");
        launch.args.push_back(readArg(args.at(i)));
      }
    }
    {
      Scope scope(*this, "cost");
      const json &cost = j.at("cost");
      launch.cost.flops = readCost(cost, "flops");
      launch.cost.bytes = readCost(cost, "bytes");
    }
    {
      Scope scope(*this, "variants");
      const json &variants = j.at("variants");
      for (size_t i = 0; i < variants.size(); ++i) {
        Scope item(*this, "[" + std::to_string(i) + "]");
        launch.variants.push_back(readVariant(variants.at(i)));
      }
    }
    return launch;
  }

  LaunchVariant readVariant(const json &j) {
    LaunchVariant variant;
    variant.kernel = field(j, "kernel").get<std::string>();
    variant.guard.archs = field(j, "archs").get<std::vector<std::string>>();
    variant.guard.minRows = field(j, "min_rows").get<int64_t>();
    variant.guard.maxRows = field(j, "max_rows").get<int64_t>();
    variant.grid = field(j, "grid").get<std::array<std::string, 3>>();
    variant.blockThreads = field(j, "block_threads").get<int64_t>();
    variant.dynamicSharedBytes =
        field(j, "dynamic_shared_bytes").get<int64_t>();
    return variant;
  }

  CostTerms readCost(const json &j, const std::string &key) {
    Scope scope(*this, key);
    const json &jc = j.at(key);
    CostTerms terms;
    terms.fixed = field(jc, "fixed").get<double>();
    terms.perRow = field(jc, "per_row").get<double>();
    terms.perRowContext = field(jc, "per_row_context").get<double>();
    return terms;
  }

  KernelArg readArg(const json &j) {
    KernelArg arg;
    StatusOr<ArgKind> kind =
        argKindFromName(field(j, "kind").get<std::string>());
    if (!kind.isOk())
      throw ManifestValueError(kind.status().message());
    arg.kind = *kind;
    switch (arg.kind) {
    case ArgKind::Arena:
      arg.offset = field(j, "offset").get<uint64_t>();
      arg.bytes = field(j, "bytes").get<uint64_t>();
      break;
    case ArgKind::KvKeys:
    case ArgKind::KvValues:
      arg.layer = field(j, "layer").get<int64_t>();
      break;
    case ArgKind::Null:
      break;
    default:
      arg.name = field(j, "name").get<std::string>();
      break;
    }
    return arg;
  }

  // A leaf member: on failure (missing, mistyped) the path ends with `key`.
  struct Field {
    ManifestReader &reader;
    const json &value;
    template <typename T> T get() const {
      T result = value.get<T>(); // may throw with reader's path at the key
      reader.path_.pop_back();
      return result;
    }
  };
  Field field(const json &j, const std::string &key) {
    path_.push_back(key);
    return Field{*this, j.at(key)};
  }

  std::vector<std::string> path_;
};

} // namespace

json toJson(const Manifest &m) {
  json modules = json::array();
  for (const KernelModule &module : m.modules)
    modules.push_back(moduleToJson(module));
  json phases = json::array();
  for (const Phase &phase : m.phases)
    phases.push_back(phaseToJson(phase));
  const CompileOptions &o = m.options;
  const KvCacheSpec &kv = m.kvCache;
  return {
      {"format_version", m.formatVersion},
      {"compiler", m.compiler},
      {"config", toJson(m.config)},
      {"options",
       {{"archs", o.archs},
        {"max_slots", o.maxSlots},
        {"max_seq_len", o.maxSeqLen},
        {"kv_block_size", o.kvBlockSize},
        {"max_prefill_tokens", o.maxPrefillTokens},
        {"dtype", o.dtype},
        {"synthetic_weights", o.syntheticWeights}}},
      {"kv_cache",
       {{"num_layers", kv.numLayers},
        {"num_kv_heads", kv.numKvHeads},
        {"head_dim", kv.headDim},
        {"block_size", kv.blockSize},
        {"max_blocks_per_seq", kv.maxBlocksPerSeq}}},
      {"modules", std::move(modules)},
      {"phases", std::move(phases)},
      {"weights", toJson(m.weights)},
      {"weights_file", m.weightsFile},
      {"tokenizer", {{"file", m.tokenizer.file}, {"kind", m.tokenizer.kind}}},
      {"constants", m.constants},
      {"file_hashes", m.fileHashes}};
}

StatusOr<Manifest> manifestFromJson(const json &j, const std::string &source) {
  Manifest m;
  ManifestReader reader;
  try {
    if (!j.is_object())
      return Status::error(source + ": a manifest is a JSON object");
    m = reader.read(j);
  } catch (const json::exception &e) {
    return Status::error(source + ": malformed manifest at " + reader.path() +
                         ": " + e.what());
  } catch (const ManifestValueError &e) {
    return Status::error(source + ": " + reader.path() + ": " + e.what());
  }
  if (m.formatVersion != kManifestFormatVersion)
    return Status::error(formatVersionMessage(m.formatVersion, source));
  if (!j.contains("config"))
    return Status::error(source + ": malformed manifest: config is missing");
  LLMC_ASSIGN_OR_RETURN(m.config, modelConfigFromJson(j.at("config"), source));
  if (!j.contains("weights"))
    return Status::error(source + ": malformed manifest: weights is missing");
  LLMC_ASSIGN_OR_RETURN(m.weights,
                        weightLayoutFromJson(j.at("weights"), source));
  LLMC_RETURN_IF_ERROR(validateManifest(m, source));
  return m;
}

} // namespace llmc
