// Kernel names: one per instantiation, suffixed by shape where a stem would
// otherwise name two (see KernelNaming.h).
#include "passes/KernelNaming.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::kernel;

namespace {

/// What a binding contributes to the wrapper's signature: its kind, and the
/// name of a named binding (the index of an SSA binding, the weight or the
/// layer do not change the kernel).
std::string bindingKind(Attribute binding) {
  return llvm::TypeSwitch<Attribute, std::string>(binding)
      .Case([](InputAttr input) { return ("input:" + input.getName()).str(); })
      .Case([](SlotAttr slot) { return ("slot:" + slot.getName()).str(); })
      .Case([](ConstantAttr constant) {
        return ("constant:" + constant.getName()).str();
      })
      .Case([](ScalarAttr scalar) {
        return ("scalar:" + scalar.getName()).str();
      })
      .Case([](OperandAttr) { return std::string("operand"); })
      .Case([](ResultAttr) { return std::string("result"); })
      .Case([](ArenaAttr) { return std::string("arena"); })
      .Case([](WeightAttr) { return std::string("weight"); })
      .Case([](KvKeysAttr) { return std::string("kv_keys"); })
      .Case([](KvValuesAttr) { return std::string("kv_values"); })
      .Case([](NullAttr) { return std::string("null"); })
      .Default([](Attribute) { return std::string("?"); });
}

/// The suffix that tells instantiations of one stem apart: N x K for the
/// projections, the template parameters otherwise.
std::string shapeSuffix(LaunchOp launch) {
  std::string suffix;
  llvm::raw_string_ostream os(suffix);
  FailureOr<int64_t> n = launch.getParam("N"), k = launch.getParam("K");
  if (succeeded(n) && succeeded(k)) {
    os << '_' << *n << 'x' << *k;
    return suffix;
  }
  for (NamedAttribute param : launch.getParams())
    os << '_' << cast<IntegerAttr>(param.getValue()).getInt();
  return suffix;
}

} // namespace

std::string mlir::llm::getInstantiationKey(LaunchOp launch) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << launch.getTemplate() << ' ' << launch.getParams();
  if (std::optional<StringRef> epilogue = launch.getEpilogue())
    os << ' ' << *epilogue << ' ' << launch.getEpilogueParamsAttr();
  if (DictionaryAttr constants = launch.getConstantsAttr())
    os << ' ' << constants;
  for (Attribute binding : launch.getArgs())
    os << ' ' << bindingKind(binding);
  if (std::optional<ArrayAttr> variants = launch.getVariants())
    os << ' ' << *variants;
  return key;
}

void mlir::llm::assignKernelNames(func::FuncOp func) {
  // Instantiations in order of first appearance, each with its launches.
  struct Instantiation {
    std::string stem;
    SmallVector<LaunchOp> launches;
    std::string name;
  };
  std::vector<Instantiation> instantiations;
  llvm::StringMap<size_t> indexOfKey;
  for (LaunchOp launch : func.getOps<LaunchOp>()) {
    auto [it, isNew] = indexOfKey.try_emplace(getInstantiationKey(launch),
                                              instantiations.size());
    if (isNew)
      instantiations.push_back({launch.getKernel().str(), {}, ""});
    instantiations[it->second].launches.push_back(launch);
  }

  llvm::StringMap<unsigned> perStem;
  for (Instantiation &entry : instantiations)
    ++perStem[entry.stem];
  llvm::StringMap<unsigned> perName;
  for (Instantiation &entry : instantiations) {
    entry.name = entry.stem;
    if (perStem[entry.stem] > 1)
      entry.name += shapeSuffix(entry.launches.front());
    ++perName[entry.name];
  }
  // Same stem and shape but another epilogue parameter or constant: number
  // them in order.
  llvm::StringMap<unsigned> numbered;
  for (Instantiation &entry : instantiations) {
    if (perName[entry.name] > 1) {
      unsigned number = ++numbered[entry.name];
      entry.name += "_" + std::to_string(number);
    }
    for (LaunchOp launch : entry.launches)
      launch.setKernel(entry.name);
  }
}
