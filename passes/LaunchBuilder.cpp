// Building a kernel.launch from a KernelChoice and a LaunchRequest (see
// LaunchBuilder.h).
#include "passes/LaunchBuilder.h"

using namespace mlir;
using namespace mlir::llm;

/// Named i64 attributes of `entries`, in order.
static SmallVector<NamedAttribute>
integerAttrs(OpBuilder &builder, const llmc::NamedIntegers &entries) {
  SmallVector<NamedAttribute> attrs;
  for (const auto &[name, value] : entries)
    attrs.push_back(
        builder.getNamedAttr(name, builder.getI64IntegerAttr(value)));
  return attrs;
}

kernel::LaunchOp mlir::llm::buildLaunch(OpBuilder &builder,
                                        const llmc::KernelChoice &choice,
                                        const LaunchRequest &request) {
  NamedAttrList attrs;
  attrs.append("kernel", builder.getStringAttr(request.name));
  attrs.append("template", builder.getStringAttr(choice.templateName));
  attrs.append("params",
               builder.getDictionaryAttr(integerAttrs(builder, choice.params)));
  if (!choice.epilogue.empty()) {
    attrs.append("epilogue", builder.getStringAttr(choice.epilogue));
    attrs.append("epilogue_params", builder.getDictionaryAttr(integerAttrs(
                                        builder, choice.epilogueParams)));
  }
  SmallVector<NamedAttribute> constants =
      integerAttrs(builder, choice.constants);
  for (auto [name, value] : request.extraConstants)
    constants.push_back(builder.getNamedAttr(name, value));
  if (!constants.empty())
    attrs.append("constants", builder.getDictionaryAttr(constants));
  SmallVector<StringRef> fused;
  if (request.source)
    fused.push_back(request.source->getName().getStringRef());
  attrs.append("fused", builder.getStrArrayAttr(fused));
  if (request.layer)
    attrs.append("layer", builder.getI64IntegerAttr(*request.layer));
  attrs.append("grid", builder.getStrArrayAttr(
                           {choice.grid[0], choice.grid[1], choice.grid[2]}));
  attrs.append("block", builder.getI64IntegerAttr(choice.blockThreads));
  attrs.append("smem", builder.getI64IntegerAttr(choice.dynamicSharedBytes));
  attrs.append("args", builder.getArrayAttr(request.args));
  if (!request.tied.empty())
    attrs.append("tied", builder.getDenseI64ArrayAttr(request.tied));
  if (!choice.variants.empty()) {
    SmallVector<Attribute> variants;
    for (const llmc::KernelVariant &variant : choice.variants) {
      ArrayAttr archs;
      if (!variant.guard.archs.empty()) {
        SmallVector<StringRef> names(variant.guard.archs.begin(),
                                     variant.guard.archs.end());
        archs = builder.getStrArrayAttr(names);
      }
      variants.push_back(kernel::VariantAttr::get(
          builder.getContext(), variant.suffix, variant.templateName,
          builder.getDictionaryAttr(integerAttrs(builder, variant.params)),
          builder.getStrArrayAttr(
              {variant.grid[0], variant.grid[1], variant.grid[2]}),
          variant.blockThreads, variant.dynamicSharedBytes, archs,
          variant.guard.minRows, variant.guard.maxRows));
    }
    attrs.append("variants", builder.getArrayAttr(variants));
  }
  const llmc::LaunchCost &cost = choice.cost;
  attrs.append(
      "cost",
      kernel::CostAttr::get(
          builder.getContext(),
          {cost.flops.fixed, cost.flops.perRow, cost.flops.perRowContext},
          {cost.bytes.fixed, cost.bytes.perRow, cost.bytes.perRowContext}));
  return builder.create<kernel::LaunchOp>(request.loc, request.resultTypes,
                                          request.operands, attrs.getAttrs());
}
