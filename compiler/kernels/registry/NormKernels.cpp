// The one-block-per-row kernels (Embed.cuh, RmsNorm.cuh): their definitions,
// tile selection and costs.
#include "compiler/kernels/registry/KernelRegistry.h"
#include "compiler/kernels/registry/SelectionSupport.h"

#include <algorithm>

namespace llmc {

using namespace selection;

namespace {

/// Threads of a one-block-per-row norm: one 8-element vector per thread up
/// to 256 threads (a 4096-wide row is then two vectors per thread).
int64_t normThreads(int64_t dim) {
  return std::clamp<int64_t>(roundUp(dim / kVectorElements, 32), 32, 256);
}

/// The one-block-per-row norms share their shape and most of their cost.
StatusOr<KernelChoice> selectNorm(const char *templateName, int64_t dim,
                                  int64_t flopsPerElement, int64_t rowsMoved) {
  LLMC_RETURN_IF_ERROR(checkRowWidth("RMSNorm dim", dim));
  KernelChoice choice;
  choice.templateName = templateName;
  int64_t threads = normThreads(dim);
  choice.params = {{"Dim", dim}, {"Threads", threads}};
  choice.grid = {"rows", "1", "1"};
  choice.blockThreads = threads;
  choice.cost.flops.perRow = flopsPerElement * dim;
  choice.cost.bytes.fixed = dim * kBf16Bytes; // the weight
  choice.cost.bytes.perRow = rowsMoved * dim * kBf16Bytes;
  return choice;
}

} // namespace

StatusOr<KernelChoice> selectEmbed(int64_t vocab, int64_t dim) {
  LLMC_RETURN_IF_ERROR(checkRowWidth("embedding dim", dim));
  if (vocab <= 0)
    return Status::error("vocabulary size must be positive, got " + str(vocab));
  KernelChoice choice;
  choice.templateName = "Embed";
  choice.params = {{"Vocab", vocab}, {"Dim", dim}, {"Threads", 256}};
  choice.grid = {"rows", "1", "1"};
  choice.blockThreads = 256;
  // Reads the id and the table row, writes the row.
  choice.cost.bytes.perRow = 4 + 2 * dim * kBf16Bytes;
  return choice;
}

StatusOr<KernelChoice> selectRmsNorm(int64_t dim) {
  // x^2, sum, scale, weight: 4 flops; reads x, writes out.
  return selectNorm("RmsNorm", dim, 4, 2);
}

StatusOr<KernelChoice> selectAddRmsNorm(int64_t dim) {
  // Plus the add; reads residual and x, writes residual and out.
  return selectNorm("AddRmsNorm", dim, 5, 4);
}

StatusOr<KernelChoice> selectRmsNormGather(int64_t dim,
                                           const KernelOptions &options) {
  LLMC_ASSIGN_OR_RETURN(KernelChoice choice,
                        selectNorm("RmsNormGather", dim, 4, 2));
  // Always max-slots rows, whatever the prompt rows: a fixed cost.
  choice.grid = {str(options.maxSlots), "1", "1"};
  choice.constants = {{"num_rows", options.maxSlots}};
  choice.cost.flops.fixed = choice.cost.flops.perRow * options.maxSlots;
  choice.cost.flops.perRow = 0;
  choice.cost.bytes.fixed += choice.cost.bytes.perRow * options.maxSlots;
  choice.cost.bytes.perRow = 0;
  return choice;
}

} // namespace llmc

namespace llmc::codegen {

namespace {

std::vector<WrapperParam> embedParameters(const Wrapper &) {
  return {input("const int *", "tokens", "tokens"), weight("table"),
          arena("bf16 *", "out"), scalar("rows")};
}
void embedBody(const Wrapper &, CudaWriter &out) {
  out.line("Kernel::run(tokens, table, out, rows);");
}

std::vector<WrapperParam> rmsNormParameters(const Wrapper &) {
  return {arena("const bf16 *", "x"), weight("weight"), arena("bf16 *", "out"),
          scalar("rows")};
}
void rmsNormBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(x, weight, out, ", floatConstantText(*w.launch, "eps"),
           ", rows);");
}

std::vector<WrapperParam> rmsNormGatherParameters(const Wrapper &) {
  return {arena("const bf16 *", "x"),
          input("const int *", "row_index", "logit_rows"), weight("weight"),
          arena("bf16 *", "out")};
}
void rmsNormGatherBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(x, row_index, weight, out, ",
           floatConstantText(*w.launch, "eps"), ", ",
           constantText(*w.launch, "num_rows"), ");");
}

std::vector<WrapperParam> addRmsNormParameters(const Wrapper &) {
  return {arena("bf16 *", "residual"), arena("const bf16 *", "x"),
          weight("weight"), arena("bf16 *", "out"), scalar("rows")};
}
void addRmsNormBody(const Wrapper &w, CudaWriter &out) {
  out.line("Kernel::run(residual, x, weight, out, ",
           floatConstantText(*w.launch, "eps"), ", rows);");
}

} // namespace

std::vector<KernelDef> normKernelDefs() {
  return {
      {"Embed",
       "Embed",
       "Embed.cuh",
       {"Vocab", "Dim", "Threads"},
       {},
       false,
       embedParameters,
       nullptr,
       embedBody},
      {"RmsNorm",
       "RmsNorm",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps"},
       false,
       rmsNormParameters,
       nullptr,
       rmsNormBody},
      {"RmsNormGather",
       "RmsNormGather",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps", "num_rows"},
       false,
       rmsNormGatherParameters,
       nullptr,
       rmsNormGatherBody},
      {"AddRmsNorm",
       "AddRmsNorm",
       "RmsNorm.cuh",
       {"Dim", "Threads"},
       {"eps"},
       false,
       addRmsNormParameters,
       nullptr,
       addRmsNormBody},
  };
}

} // namespace llmc::codegen
