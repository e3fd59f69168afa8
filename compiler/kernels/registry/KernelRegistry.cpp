// The registry's tables, gathered from the family files, and the checks the
// families' selections share.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"

#include <cassert>

namespace llmc {

namespace selection {

Status checkRowWidth(const char *what, int64_t width) {
  if (width <= 0 || width % kVectorElements != 0)
    return Status::error(std::string(what) + " " + str(width) +
                         " is not a positive multiple of 8 (the kernels move "
                         "rows in 128-bit vectors of 8 bf16)");
  return Status::ok();
}

Status checkAttentionShape(const AttentionShape &shape) {
  if (shape.heads <= 0 || shape.kvHeads <= 0 ||
      shape.heads % shape.kvHeads != 0)
    return Status::error("heads " + str(shape.heads) +
                         " is not a positive multiple of kv_heads " +
                         str(shape.kvHeads) +
                         " (grouped-query attention needs whole groups)");
  if (shape.headDim <= 0 || shape.headDim % 16 != 0 || shape.headDim > 256)
    return Status::error(
        "head_dim " + str(shape.headDim) +
        " is not supported: the attention kernels' mma.sync tiles take a "
        "head_dim that is a multiple of 16, at most 256");
  if (shape.maxSeqLen <= 0)
    return Status::error("max_seq_len must be positive, got " +
                         str(shape.maxSeqLen));
  return Status::ok();
}

} // namespace selection

int64_t KernelChoice::param(const std::string &name) const {
  for (const auto &[key, value] : params)
    if (key == name)
      return value;
  assert(false && "no such template parameter");
  return 0;
}

Status checkKernelOptions(const KernelOptions &options) {
  using selection::str;
  if (options.maxSlots <= 0)
    return Status::error("max-slots must be positive, got " +
                         str(options.maxSlots));
  if (options.maxPrefillTokens <= 0)
    return Status::error("max-prefill-tokens must be positive, got " +
                         str(options.maxPrefillTokens));
  int64_t block = options.kvBlockSize;
  if (block < 8 || block > 128 || (block & (block - 1)) != 0)
    return Status::error("kv-block-size " + str(block) +
                         " is not supported: the paged KV cache takes a "
                         "power of two in 8..128");
  if (options.archs.empty())
    return Status::error("no target arch: kernels are selected for at least "
                         "one (e.g. sm_90a)");
  return Status::ok();
}

} // namespace llmc

namespace llmc::codegen {

const std::vector<KernelDef> &kernelDefs() {
  static const std::vector<KernelDef> kDefs = [] {
    std::vector<KernelDef> defs;
    for (auto family : {normKernelDefs, projectionKernelDefs,
                        attentionKernelDefs, stepKernelDefs})
      for (KernelDef &def : family())
        defs.push_back(std::move(def));
    return defs;
  }();
  return kDefs;
}

const std::vector<EpilogueDef> &epilogueDefs() {
  static const std::vector<EpilogueDef> kDefs = projectionEpilogueDefs();
  return kDefs;
}

const KernelDef *findKernelDef(const std::string &name) {
  for (const KernelDef &def : kernelDefs())
    if (name == def.name)
      return &def;
  return nullptr;
}

const EpilogueDef *findEpilogueDef(const std::string &name) {
  for (const EpilogueDef &def : epilogueDefs())
    if (name == def.name)
      return &def;
  return nullptr;
}

std::string epilogueType(const Wrapper &wrapper) {
  return std::string(wrapper.epilogue->cppName) + "<" +
         wrapper.epilogue->arguments(*wrapper.launch) + ">";
}

} // namespace llmc::codegen
