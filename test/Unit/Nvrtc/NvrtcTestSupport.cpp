// Implementation of the NVRTC test helpers.
#include "NvrtcTestSupport.h"

#include <cstdlib>
#include <filesystem>

namespace llmc::test {
namespace {

struct Loaded {
  std::optional<nvrtc::Nvrtc> nvrtc;
  std::string reason;
};

const Loaded &loaded() {
  static const Loaded state = [] {
    Loaded result;
    StatusOr<nvrtc::Nvrtc> nvrtc = nvrtc::Nvrtc::load();
    if (nvrtc.isOk())
      result.nvrtc = std::move(nvrtc).value();
    else
      result.reason = nvrtc.status().message();
    return result;
  }();
  return state;
}

} // namespace

const std::optional<nvrtc::Nvrtc> &sharedNvrtc() { return loaded().nvrtc; }
const std::string &nvrtcUnavailableReason() { return loaded().reason; }

nvrtc::CompileRequest scaleKernelRequest(const std::string &arch) {
  nvrtc::CompileRequest request;
  request.name = "scale.cu";
  request.arch = arch;
  // -default-device makes twice() a device function without an annotation.
  request.headers["scale.cuh"] = "#pragma once\n"
                                 "template <typename T> T twice(T x) {\n"
                                 "  return x + x;\n"
                                 "}\n";
  request.source = "#include \"scale.cuh\"\n"
                   "template <typename T>\n"
                   "__global__ void scale(T *out, const T *in, int n) {\n"
                   "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                   "  if (i < n)\n"
                   "    out[i] = twice(in[i]);\n"
                   "}\n";
  request.nameExpressions = {"scale<float>", "scale<double>"};
  return request;
}

TemporaryDirectory::TemporaryDirectory() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && *base ? base : "/tmp") + "/llmc-nvrtc-test-XXXXXX";
  if (char *made = mkdtemp(pattern.data()))
    path_ = made;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  if (!path_.empty())
    std::filesystem::remove_all(path_, ignored);
}

} // namespace llmc::test
