// The device probe's GEMM compiles for the GPUs llm-bench measures (NVRTC
// only, no GPU needed); measuring itself runs only on a GPU.
#include "tools/llm-bench/DeviceProbe.h"
#include "compiler/Nvrtc/Nvrtc.h"
#include "compiler/kernels/KernelSources.h"

#include <gtest/gtest.h>

using namespace llmc;

TEST(DeviceProbe, GemmSourceCompilesForAmpereAndHopper) {
  StatusOr<nvrtc::Nvrtc> compiler = nvrtc::Nvrtc::load();
  if (!compiler.isOk())
    GTEST_SKIP() << compiler.status().message();
  for (const char *arch : {"sm_80", "sm_90"}) {
    nvrtc::CompileRequest request;
    request.name = "gemm_probe.cu";
    request.source = bench::gemmProbeSource();
    request.headers = kernels::kernelHeaders();
    request.arch = arch;
    request.wantPtx = false;
    StatusOr<nvrtc::CompileResult> result = compiler->compile(request);
    ASSERT_TRUE(result.isOk()) << arch << ": " << result.status().message();
    const nvrtc::KernelResources *gemm = result->kernel("gemm");
    ASSERT_NE(gemm, nullptr) << arch;
    EXPECT_EQ(gemm->spillStoreBytes, 0) << arch;
  }
}

TEST(DeviceProbe, MeasuresNothingWithoutAGpu) {
  StatusOr<DeviceMeasurement> m = bench::measureDevice(0);
  if (m.isOk())
    GTEST_SKIP() << "a GPU is present: " << m->device;
  EXPECT_FALSE(m.status().message().empty());
}
