// The generated translation units compile through NVRTC with the embedded
// kernel library, for the lowest and the highest arch the compiler targets,
// and define exactly the kernels the manifest lists (extern "C": the
// manifest's names are the symbols). Needs NVRTC, not a GPU; ptxas' resource
// report is printed for the record.
#include "TinyPhases.h"

#include "../Nvrtc/NvrtcTestSupport.h"
#include "compiler/Codegen/CudaEmitter.h"
#include "compiler/kernels/KernelSources.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

namespace llmc::codegen {
namespace {

struct Case {
  const char *phase;
  const char *arch;
};

class GeneratedCodeCompileTest : public ::testing::TestWithParam<Case> {};

PhaseSpec phaseNamed(const std::string &name) {
  if (name == "prefill")
    return test::tinyPrefill();
  if (name == "decode")
    return test::tinyDecode();
  return test::tinySample();
}

TEST_P(GeneratedCodeCompileTest, CompilesAndDefinesEveryKernel) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  PhaseSpec phase = phaseNamed(GetParam().phase);
  StatusOr<PhaseSource> unit = emitPhaseSource(phase);
  ASSERT_TRUE(unit.isOk()) << unit.status().message();

  nvrtc::CompileRequest request;
  request.name = unit->fileName;
  request.source = unit->source;
  request.headers = kernels::kernelHeaders();
  request.arch = GetParam().arch;
  request.wantPtx = false;
  StatusOr<nvrtc::CompileResult> result = nvrtc.compile(request);
  ASSERT_TRUE(result.isOk()) << result.status().message() << "\n"
                             << unit->source;

  std::set<std::string> compiled;
  for (const nvrtc::KernelResources &k : result->kernels) {
    compiled.insert(k.mangledName);
    std::printf("%-32s %s %3d registers, %d/%d bytes spilled\n",
                k.mangledName.c_str(), request.arch.c_str(), k.registers,
                k.spillStoreBytes, k.spillLoadBytes);
  }
  std::set<std::string> listed;
  for (const KernelInfo &kernel : unit->kernels)
    listed.insert(kernel.name);
  EXPECT_EQ(compiled, listed);
}

INSTANTIATE_TEST_SUITE_P(
    Phases, GeneratedCodeCompileTest,
    ::testing::Values(Case{"prefill", "sm_80"}, Case{"prefill", "sm_90a"},
                      Case{"decode", "sm_80"}, Case{"decode", "sm_90a"},
                      Case{"sample", "sm_90a"}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.phase) + "_" + info.param.arch;
    });

} // namespace
} // namespace llmc::codegen
