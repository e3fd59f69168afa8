// NVRTC compiles without a GPU: cubin and PTX for sm_90a from a templated
// kernel with a named header, ptxas resource counts, errors that carry the log,
// arch validation, and parallel compilation matching sequential results.
#include "NvrtcTestSupport.h"

#include "../Cuda/DynamicDependencies.h"

#include <gtest/gtest.h>

#include <cstring>

namespace llmc {
namespace {

using nvrtc::CompileRequest;
using nvrtc::CompileResult;

bool hasElfMagic(const std::vector<char> &bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(),
                                          "\x7f"
                                          "ELF",
                                          4) == 0;
}

TEST(Nvrtc, ReportsItsVersionAndSupportedArchs) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  EXPECT_EQ(nvrtc.version().rfind("13.", 0), 0u) << nvrtc.version();
  std::vector<std::string> archs = nvrtc.supportedArchs();
  EXPECT_NE(std::find(archs.begin(), archs.end(), "sm_90"), archs.end());
}

TEST(Nvrtc, CompilesTemplatedKernelWithNamedHeaderToCubinAndPtx) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  StatusOr<CompileResult> result = nvrtc.compile(test::scaleKernelRequest());
  ASSERT_TRUE(result.isOk()) << result.status().message();
  EXPECT_TRUE(hasElfMagic(result->cubin));
  EXPECT_NE(result->ptx.find(".target sm_90a"), std::string::npos);
  EXPECT_NE(result->ptx.find(".entry"), std::string::npos);
  EXPECT_EQ(result->ptx.find('\0'), std::string::npos) << "PTX keeps its NUL";
  // Both instantiations were named, so both have mangled names.
  ASSERT_EQ(result->loweredNames.size(), 2u);
  EXPECT_EQ(result->loweredNames.at("scale<float>"), "_Z5scaleIfEvPT_PKS0_i");
  EXPECT_EQ(result->loweredNames.at("scale<double>"), "_Z5scaleIdEvPT_PKS0_i");
}

TEST(Nvrtc, RecordsRegistersAndSpillsPerKernel) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  StatusOr<CompileResult> result = nvrtc.compile(test::scaleKernelRequest());
  ASSERT_TRUE(result.isOk()) << result.status().message();
  ASSERT_EQ(result->kernels.size(), 2u) << result->log;
  const nvrtc::KernelResources *floatKernel =
      result->kernel(result->loweredNames.at("scale<float>"));
  ASSERT_NE(floatKernel, nullptr) << result->log;
  EXPECT_GT(floatKernel->registers, 0);
  EXPECT_EQ(floatKernel->spillStoreBytes, 0);
  EXPECT_EQ(floatKernel->spillLoadBytes, 0);
  EXPECT_EQ(floatKernel->name, "void scale<float>(float*, float const*, int)");
}

TEST(Nvrtc, RecordsSpillsWhenRegistersRunOut) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  // 64 live accumulators cannot fit in 24 registers: ptxas must spill.
  CompileRequest request;
  request.name = "heavy.cu";
  request.arch = "sm_90a";
  request.wantPtx = false;
  request.options = {"--maxrregcount=24"};
  request.source = R"(
extern "C" __global__ void heavy(float *out, const float *in) {
  float acc[64];
#pragma unroll
  for (int i = 0; i < 64; ++i)
    acc[i] = in[threadIdx.x * 64 + i];
#pragma unroll
  for (int r = 0; r < 8; ++r)
#pragma unroll
    for (int i = 0; i < 64; ++i)
      acc[i] = acc[i] * acc[(i + r + 1) % 64] + 1.0f;
  float sum = 0;
#pragma unroll
  for (int i = 0; i < 64; ++i)
    sum += acc[i] * (i + 1);
  out[threadIdx.x] = sum;
}
)";
  StatusOr<CompileResult> result = nvrtc.compile(request);
  ASSERT_TRUE(result.isOk()) << result.status().message();
  const nvrtc::KernelResources *heavy = result->kernel("heavy");
  ASSERT_NE(heavy, nullptr) << result->log;
  EXPECT_LE(heavy->registers, 24);
  EXPECT_GT(heavy->spillStoreBytes, 0) << result->log;
  EXPECT_GT(heavy->spillLoadBytes, 0) << result->log;
  EXPECT_TRUE(result->ptx.empty()) << "PTX was not asked for";
}

TEST(Nvrtc, RepeatedCompilesStillReportResources) {
  // Where a driver is installed NVRTC can serve a repeat from the driver's
  // compute cache, whose cubins come without ptxas' report.
  LLMC_REQUIRE_NVRTC(nvrtc);
  for (int attempt = 0; attempt < 3; ++attempt) {
    StatusOr<CompileResult> result = nvrtc.compile(test::scaleKernelRequest());
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->kernels.size(), 2u) << "attempt " << attempt << "\n"
                                          << result->log;
  }
}

TEST(Nvrtc, PtxOnlyCompileSkipsPtxas) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  CompileRequest request = test::scaleKernelRequest("sm_90a");
  request.wantCubin = false;
  StatusOr<CompileResult> result = nvrtc.compile(request);
  ASSERT_TRUE(result.isOk()) << result.status().message();
  EXPECT_TRUE(result->cubin.empty());
  EXPECT_TRUE(result->kernels.empty());
  EXPECT_NE(result->ptx.find(".target sm_90a"), std::string::npos);
}

TEST(Nvrtc, SyntaxErrorNamesFileAndLine) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  CompileRequest request;
  request.name = "broken.cu";
  request.arch = "sm_90a";
  request.source = "__global__ void k(int *p) {\n"
                   "  int x = 1;\n"
                   "  *p = x +;\n"
                   "}\n";
  StatusOr<CompileResult> result = nvrtc.compile(request);
  ASSERT_FALSE(result.isOk());
  const std::string &message = result.status().message();
  EXPECT_NE(message.find("broken.cu(3): error"), std::string::npos) << message;
  EXPECT_NE(message.find("NVRTC_ERROR_COMPILATION"), std::string::npos)
      << message;
}

TEST(Nvrtc, ErrorInHeaderNamesTheHeader) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  CompileRequest request = test::scaleKernelRequest();
  request.headers["scale.cuh"] = "#pragma once\n"
                                 "template <typename T> T twice(T x) {\n"
                                 "  return x + undeclared;\n"
                                 "}\n";
  StatusOr<CompileResult> result = nvrtc.compile(request);
  ASSERT_FALSE(result.isOk());
  EXPECT_NE(result.status().message().find("scale.cuh(3): error"),
            std::string::npos)
      << result.status().message();
}

TEST(Nvrtc, UnsupportedArchIsAClearError) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  std::uint64_t before = nvrtc.compileCount();
  StatusOr<CompileResult> result =
      nvrtc.compile(test::scaleKernelRequest("sm_12"));
  ASSERT_FALSE(result.isOk());
  const std::string &message = result.status().message();
  EXPECT_NE(message.find("cannot compile for sm_12"), std::string::npos)
      << message;
  EXPECT_NE(message.find("sm_90"), std::string::npos) << "lists what works";
  EXPECT_EQ(nvrtc.compileCount(), before) << "rejected before compiling";
}

TEST(Nvrtc, MalformedArchNameIsRejected) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  for (const char *arch : {"", "90", "sm_", "sm_90x", "compute_90", "sm_9a0"}) {
    StatusOr<CompileResult> result =
        nvrtc.compile(test::scaleKernelRequest(arch));
    ASSERT_FALSE(result.isOk()) << arch;
    EXPECT_NE(result.status().message().find("invalid GPU architecture"),
              std::string::npos)
        << result.status().message();
  }
}

TEST(Nvrtc, OptionsAreStandardThenExtra) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  CompileRequest request = test::scaleKernelRequest("sm_89");
  request.options = {"-DTILE=64"};
  StatusOr<std::vector<std::string>> options = nvrtc.options(request);
  ASSERT_TRUE(options.isOk()) << options.status().message();
  ASSERT_GE(options->size(), 6u);
  EXPECT_EQ((*options)[0], "--std=c++17");
  EXPECT_EQ((*options)[1], "--gpu-architecture=sm_89");
  EXPECT_EQ(options->back(), "-DTILE=64");
  request.wantCubin = false;
  options = nvrtc.options(request);
  ASSERT_TRUE(options.isOk());
  EXPECT_EQ((*options)[1], "--gpu-architecture=compute_89");
}

TEST(Nvrtc, ToolkitHalfPrecisionHeadersAreReachable) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  CompileRequest request;
  request.name = "bf16.cu";
  request.arch = "sm_90a";
  request.source =
      "#include <cuda_bf16.h>\n"
      "extern \"C\" __global__ void widen(float *out,\n"
      "                                  const __nv_bfloat16 *in) {\n"
      "  out[threadIdx.x] = __bfloat162float(in[threadIdx.x]);\n"
      "}\n";
  StatusOr<CompileResult> result = nvrtc.compile(request);
  ASSERT_TRUE(result.isOk()) << result.status().message();
  EXPECT_NE(result->kernel("widen"), nullptr);
}

TEST(Nvrtc, CompileAllMatchesSequentialCompiles) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  std::vector<CompileRequest> requests;
  for (const char *arch : {"sm_80", "sm_89", "sm_90", "sm_90a"})
    requests.push_back(test::scaleKernelRequest(arch));
  requests[1].options = {"-DUNUSED=1"};

  std::vector<StatusOr<CompileResult>> parallel = nvrtc.compileAll(requests, 4);
  ASSERT_EQ(parallel.size(), requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    StatusOr<CompileResult> sequential = nvrtc.compile(requests[i]);
    ASSERT_TRUE(sequential.isOk()) << sequential.status().message();
    ASSERT_TRUE(parallel[i].isOk()) << parallel[i].status().message();
    // The log differs (ptxas prints its compile time); the outputs may not.
    EXPECT_EQ(parallel[i]->cubin, sequential->cubin) << requests[i].arch;
    EXPECT_EQ(parallel[i]->ptx, sequential->ptx) << requests[i].arch;
    EXPECT_EQ(parallel[i]->kernels, sequential->kernels) << requests[i].arch;
    EXPECT_EQ(parallel[i]->loweredNames, sequential->loweredNames);
    EXPECT_NE(parallel[i]->ptx.find(".target " + requests[i].arch),
              std::string::npos)
        << "result " << i << " belongs to request " << i;
  }
}

TEST(Nvrtc, CompileAllKeepsEachRequestsError) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  std::vector<CompileRequest> requests = {test::scaleKernelRequest(),
                                          test::scaleKernelRequest("sm_12"),
                                          test::scaleKernelRequest()};
  std::vector<StatusOr<CompileResult>> results = nvrtc.compileAll(requests, 3);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].isOk());
  EXPECT_FALSE(results[1].isOk());
  EXPECT_TRUE(results[2].isOk());
  EXPECT_TRUE(nvrtc.compileAll({}, 4).empty());
}

TEST(NvrtcLinkage, TestExecutableLinksNeitherNvrtcNorTheDriver) {
  StatusOr<std::vector<std::string>> needed =
      test::neededLibraries("/proc/self/exe");
  ASSERT_TRUE(needed.isOk()) << needed.status().message();
  EXPECT_FALSE(needed->empty()) << "a dynamic executable names libc at least";
  for (const std::string &library : *needed) {
    EXPECT_EQ(library.find("libnvrtc"), std::string::npos) << library;
    EXPECT_EQ(library.find("libcuda"), std::string::npos) << library;
  }
}

} // namespace
} // namespace llmc
