// Checking a launch against its template's definition (KernelRegistry.h) and
// writing its wrapper.
#include "compiler/kernels/registry/Wrapper.h"

#include "compiler/kernels/registry/KernelRegistry.h"

#include <cstdio>
#include <set>

namespace llmc::codegen {

namespace {

//===----------------------------------------------------------------------===//
// Checking a launch against its entry
//===----------------------------------------------------------------------===//

std::string bindingText(const KernelArg &arg) {
  std::string kind = argKindName(arg.kind);
  switch (arg.kind) {
  case ArgKind::Arena:
    return "arena<" + std::to_string(arg.offset) + ", " +
           std::to_string(arg.bytes) + ">";
  case ArgKind::KvKeys:
  case ArgKind::KvValues:
    return kind + "<" + std::to_string(arg.layer) + ">";
  case ArgKind::Null:
    return kind;
  default:
    return kind + "<\"" + arg.name + "\">";
  }
}

std::string expectedText(const WrapperParam &param) {
  std::string text = argKindName(param.kind);
  if (!param.bindingName.empty())
    text += "<\"" + param.bindingName + "\">";
  if (param.nullable)
    text += " or null";
  return text;
}

/// Fails unless `given` has exactly the names `expected`, naming what is
/// missing or extra.
template <typename Map>
Status checkNames(const std::string &what, const Map &given,
                  std::vector<std::string> expected) {
  std::set<std::string> expectedSet(expected.begin(), expected.end());
  for (const std::string &name : expected)
    if (!given.count(name))
      return Status::error("missing " + what + " '" + name + "'");
  for (const auto &entry : given)
    if (!expectedSet.count(entry.first))
      return Status::error(
          "unexpected " + what + " '" + entry.first + "' (expected " +
          (expected.empty() ? "none" : joinList(expected)) + ")");
  return Status::ok();
}

Status checkWrapper(const Wrapper &w) {
  const LaunchSpec &l = *w.launch;
  std::vector<std::string> params = w.def->params;
  for (const std::string &name : w.def->optionalParams)
    if (l.params.count(name))
      params.push_back(name);
  LLMC_RETURN_IF_ERROR(checkNames("template parameter", l.params, params));
  std::vector<std::string> constants = w.def->constants;
  if (w.epilogue) {
    std::vector<std::string> epilogueParams;
    for (const std::string &name : w.epilogue->params)
      // N may be left to the projection's N.
      if (name != "N" || l.epilogueParams.count("N"))
        epilogueParams.push_back(name);
    LLMC_RETURN_IF_ERROR(
        checkNames("epilogue parameter", l.epilogueParams, epilogueParams));
    constants.insert(constants.end(), w.epilogue->constants.begin(),
                     w.epilogue->constants.end());
    for (const std::string &name : w.epilogue->optionalConstants)
      if (l.constants.count(name))
        constants.push_back(name);
  }
  for (const std::string &name : w.def->optionalConstants)
    if (l.constants.count(name))
      constants.push_back(name);
  LLMC_RETURN_IF_ERROR(checkNames("constant", l.constants, constants));
  if (l.blockThreads < 1 || l.blockThreads > 1024)
    return Status::error("block of " + std::to_string(l.blockThreads) +
                         " threads");
  if (l.args.size() != w.params.size()) {
    std::vector<std::string> expected;
    for (const WrapperParam &p : w.params)
      expected.push_back(expectedText(p));
    return Status::error(
        std::to_string(l.args.size()) + " args, but the wrapper takes " +
        std::to_string(w.params.size()) + ": " + joinList(expected));
  }
  for (size_t i = 0; i < l.args.size(); ++i) {
    const KernelArg &arg = l.args[i];
    const WrapperParam &p = w.params[i];
    bool matches = (arg.kind == ArgKind::Null && p.nullable) ||
                   (arg.kind == p.kind &&
                    (p.bindingName.empty() || arg.name == p.bindingName));
    if (!matches)
      return Status::error("arg " + std::to_string(i) + " (" + p.name +
                           ") is " + bindingText(arg) + ", expected " +
                           expectedText(p));
  }
  return Status::ok();
}

} // namespace

std::string floatLiteral(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", static_cast<float>(value));
  std::string literal = text;
  if (literal.find_first_of(".eEn") == std::string::npos)
    literal += ".0";
  return literal + "f";
}

StatusOr<Wrapper> planWrapper(const LaunchSpec &launch) {
  Wrapper w;
  w.launch = &launch;
  auto context = [&](const Status &status) {
    return status.withContext("kernel '" + launch.kernel + "' (" +
                              launch.templateName + ")");
  };
  w.def = findKernelDef(launch.templateName);
  if (!w.def) {
    std::vector<std::string> known;
    for (const KernelDef &def : kernelDefs())
      known.push_back(def.name);
    return context(Status::error("unknown template (the kernel library has " +
                                 joinList(known) + ")"));
  }
  if (w.def->takesEpilogue) {
    if (launch.epilogue.empty())
      return context(Status::error("the template needs an epilogue"));
    w.epilogue = findEpilogueDef(launch.epilogue);
    if (!w.epilogue) {
      std::vector<std::string> known;
      for (const EpilogueDef &def : epilogueDefs())
        known.push_back(def.name);
      return context(Status::error("unknown epilogue '" + launch.epilogue +
                                   "' (expected " + joinList(known) + ")"));
    }
  } else if (!launch.epilogue.empty()) {
    return context(Status::error("the template takes no epilogue, got '" +
                                 launch.epilogue + "'"));
  }
  w.header = w.def->header;
  w.params = w.def->parameters(w);
  LLMC_RETURN_IF_ERROR(context(checkWrapper(w)));
  if (w.def->type) {
    w.instantiation = w.def->type(w, epilogueType(w));
  } else {
    std::vector<std::string> args;
    for (const std::string &name : w.def->params)
      args.push_back(std::to_string(launch.params.at(name)));
    w.instantiation = std::string(w.def->cppName) + "<" + joinList(args) + ">";
  }
  return w;
}

std::string archCondition(const std::string &arch) {
  // "sm_90a" -> the arch-specific feature set; "sm_89" -> __CUDA_ARCH__ 890.
  std::string digits = arch.substr(arch.find('_') + 1);
  bool specific = !digits.empty() && digits.back() == 'a';
  if (specific) {
    digits.pop_back();
    return "defined(__CUDA_ARCH_FEAT_SM" + digits + "_ALL)";
  }
  return "__CUDA_ARCH__ == " + digits + "0";
}

void emitWrapper(const Wrapper &w, CudaWriter &out) {
  const LaunchSpec &l = *w.launch;
  if (!l.onlyArchs.empty()) {
    std::vector<std::string> conditions;
    for (const std::string &arch : l.onlyArchs)
      conditions.push_back(archCondition(arch));
    out.line("#if ", joinList(conditions, " || "));
  }
  std::string bounds = std::to_string(l.blockThreads);
  if (w.def->minBlocksPerSm > 0)
    bounds += ", " + std::to_string(w.def->minBlocksPerSm);
  std::string cluster = w.def->clusterDims ? w.def->clusterDims(w) : "";
  if (!cluster.empty())
    out.line("extern \"C\" __global__ void __cluster_dims__(", cluster,
             ") __launch_bounds__(", bounds, ")");
  else
    out.line("extern \"C\" __global__ void __launch_bounds__(", bounds, ")");
  std::vector<std::string> params;
  for (const WrapperParam &p : w.params) {
    const bool pointer = p.type.back() == '*';
    params.push_back(p.type + (pointer ? "" : " ") + p.name);
  }
  // One parameter per line once the signature gets long.
  std::string signature = l.kernel + "(" + joinList(params) + ") {";
  if (signature.size() > 80) {
    std::string separator = ",\n" + std::string(l.kernel.size() + 1, ' ');
    signature = l.kernel + "(" + joinList(params, separator.c_str()) + ") {";
  }
  out.line(signature);
  out.indent();
  if (w.epilogue) {
    out.line("using Epilogue = ", epilogueType(w), ";");
    out.line("using Kernel = ", w.def->type(w, "Epilogue"), ";");
  } else {
    out.line("using Kernel = ", w.instantiation, ";");
  }
  out.line("static_assert(Kernel::kThreads == ", l.blockThreads,
           ", \"the launch's block size\");");
  // Programmatic dependent launch: let the next kernel's blocks start now,
  // and read nothing another kernel writes before the previous one is done.
  out.line("launchDependentGrids();");
  if (w.def->beforeWait)
    w.def->beforeWait(w, out);
  out.line("waitForPrerequisiteGrid();");
  w.def->body(w, out);
  out.dedent();
  out.line("}");
  if (!l.onlyArchs.empty())
    out.line("#endif");
}

} // namespace llmc::codegen
