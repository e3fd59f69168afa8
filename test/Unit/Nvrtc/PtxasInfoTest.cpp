// Parsing ptxas' verbose report: entries, their registers and spills, and the
// lines that belong to something else.
#include "compiler/Nvrtc/PtxasInfo.h"

#include <gtest/gtest.h>

namespace llmc::nvrtc {
namespace {

// Shaped like NVRTC 13's program log with --ptxas-options=-v and
// --maxrregcount: a register-limit notice, a cheap kernel, then a kernel that
// calls an out-of-line device function and spills.
const char *const kLog =
    "ptxas info    : Overriding maximum register limit 256 for '_Z5otherPi' "
    "with  24 of maxrregcount option\n"
    "ptxas info    : 0 bytes gmem\n"
    "ptxas info    : Compiling entry function '_Z5otherPi' for 'sm_90a'\n"
    "ptxas info    : Function properties for _Z5otherPi\n"
    "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes "
    "spill loads\n"
    "ptxas info    : Used 8 registers, used 0 barriers\n"
    "ptxas info    : Compile time = 5.088 ms\n"
    "ptxas info    : Function properties for _Z6helperi\n"
    "ptxas         .     16 bytes stack frame, 4 bytes spill stores, 4 bytes "
    "spill loads\n"
    "ptxas info    : Compiling entry function 'heavy' for 'sm_90a'\n"
    "ptxas info    : Function properties for heavy\n"
    "ptxas         .     1024 bytes stack frame, 2212 bytes spill stores, "
    "2324 bytes spill loads\n"
    "ptxas info    : Used 24 registers, used 1 barriers, 4096 bytes smem, "
    "380 bytes cmem[0], 1024 bytes cumulative stack size\n";

TEST(PtxasInfo, ReadsEveryEntryFunctionInOrder) {
  std::vector<KernelResources> kernels = parsePtxasInfo(kLog);
  ASSERT_EQ(kernels.size(), 2u);
  EXPECT_EQ(kernels[0].mangledName, "_Z5otherPi");
  EXPECT_EQ(kernels[0].name, "other(int*)");
  EXPECT_EQ(kernels[0].registers, 8);
  EXPECT_EQ(kernels[0].spillStoreBytes, 0);
  EXPECT_EQ(kernels[1].mangledName, "heavy");
  EXPECT_EQ(kernels[1].name, "heavy") << "extern \"C\" names stay as they are";
}

TEST(PtxasInfo, ReadsRegistersSpillsStackBarriersAndSharedMemory) {
  std::vector<KernelResources> kernels = parsePtxasInfo(kLog);
  ASSERT_EQ(kernels.size(), 2u);
  const KernelResources &heavy = kernels[1];
  EXPECT_EQ(heavy.registers, 24);
  EXPECT_EQ(heavy.barriers, 1);
  EXPECT_EQ(heavy.stackFrameBytes, 1024);
  EXPECT_EQ(heavy.spillStoreBytes, 2212);
  EXPECT_EQ(heavy.spillLoadBytes, 2324);
  EXPECT_EQ(heavy.sharedBytes, 4096);
}

TEST(PtxasInfo, OutOfLineDeviceFunctionsDoNotChangeTheKernelBeforeThem) {
  // _Z6helperi's 4-byte spills follow _Z5otherPi's report but are not its.
  std::vector<KernelResources> kernels = parsePtxasInfo(kLog);
  ASSERT_FALSE(kernels.empty());
  EXPECT_EQ(kernels[0].stackFrameBytes, 0);
  EXPECT_EQ(kernels[0].spillStoreBytes, 0);
  EXPECT_EQ(kernels[0].spillLoadBytes, 0);
}

TEST(PtxasInfo, LogWithoutPtxasLinesHasNoKernels) {
  EXPECT_TRUE(parsePtxasInfo("").empty());
  EXPECT_TRUE(
      parsePtxasInfo("k.cu(3): warning: variable \"x\" was declared but never "
                     "referenced\n")
          .empty());
}

} // namespace
} // namespace llmc::nvrtc
