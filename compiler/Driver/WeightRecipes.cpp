// Weight recipes from the module's llm.weight declarations.
#include "compiler/Driver/WeightRecipes.h"

#include "dialects/Kernel/IR/KernelOps.h"
#include "dialects/LLM/IR/LLMDialect.h"
#include "dialects/LLM/IR/LLMOps.h"

#include <set>

namespace llmc {

using namespace mlir;

StatusOr<std::vector<WeightRecipe>> weightRecipes(ModuleOp module) {
  std::set<std::string> bound;
  module.walk([&](kernel::LaunchOp launch) {
    for (Attribute arg : launch.getArgs())
      if (auto weight = dyn_cast<kernel::WeightAttr>(arg))
        bound.insert(weight.getName().getValue().str());
  });

  std::vector<WeightRecipe> recipes;
  for (auto weight : module.getOps<llm::WeightOp>()) {
    std::string name = weight.getSymName().str();
    if (!bound.erase(name))
      continue;
    WeightRecipe recipe;
    recipe.name = name;
    std::optional<llm::DerivedWeightAttrInterface> derivation =
        weight.getDerivation();
    if (!derivation) {
      recipe.sources = {name};
    } else {
      for (Attribute source : derivation->getSourceWeights())
        recipe.sources.push_back(
            cast<FlatSymbolRefAttr>(source).getValue().str());
      if (isa<llm::InterleaveRowsAttr>(*derivation))
        recipe.interleaveRows = true;
      else if (!isa<llm::ConcatAttr>(*derivation))
        return Status::error("weight '" + name +
                             "' has a derivation the weight packer cannot "
                             "build (it stacks or interleaves rows)");
    }
    recipes.push_back(std::move(recipe));
  }
  if (!bound.empty())
    return Status::error("a kernel launch binds the weight '" + *bound.begin() +
                         "', which the module does not declare");
  return recipes;
}

} // namespace llmc
