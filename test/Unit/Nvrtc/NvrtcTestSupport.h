// Shared pieces of the NVRTC tests: loading NVRTC once (or skipping with the
// reason it is unavailable), a small templated kernel with a named header, and
// a temporary directory.
#pragma once

#include "compiler/Nvrtc/Nvrtc.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace llmc::test {

/// NVRTC loaded once per process; nullopt when it cannot be, with the reason
/// in nvrtcUnavailableReason().
const std::optional<nvrtc::Nvrtc> &sharedNvrtc();
const std::string &nvrtcUnavailableReason();

/// Puts `nvrtc` in scope or skips the test with the reason NVRTC is missing.
#define LLMC_REQUIRE_NVRTC(nvrtc)                                              \
  if (!::llmc::test::sharedNvrtc())                                            \
    GTEST_SKIP() << ::llmc::test::nvrtcUnavailableReason();                    \
  const ::llmc::nvrtc::Nvrtc &nvrtc = *::llmc::test::sharedNvrtc()

/// A templated kernel reading a helper from the named header "scale.cuh",
/// instantiated for float and double through name expressions.
nvrtc::CompileRequest scaleKernelRequest(const std::string &arch = "sm_90a");

/// A fresh directory, removed with everything in it on destruction.
class TemporaryDirectory {
public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

} // namespace llmc::test
