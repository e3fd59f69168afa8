// Loading the driver: the plain messages when there is none (these run on every
// machine), and proof that this executable does not link libcuda.
#include "runtime/cuda/CudaDriver.h"

#include "DynamicDependencies.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace llmc::cuda {
namespace {

bool startsWith(const std::string &text, const std::string &prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(CudaDriver, MissingLibraryIsReportedPlainly) {
  StatusOr<std::unique_ptr<CudaDriver>> driver =
      CudaDriver::load("libcuda-llmc-absent.so.1");
  ASSERT_FALSE(driver.isOk());
  EXPECT_TRUE(startsWith(driver.status().message(),
                         "no NVIDIA driver: libcuda-llmc-absent.so.1 could not "
                         "be loaded ("))
      << driver.status().message();
}

TEST(CudaDriver, WithoutAGpuLoadingSaysWhy) {
  StatusOr<std::unique_ptr<CudaDriver>> driver = CudaDriver::load();
  if (driver.isOk())
    GTEST_SKIP() << "this machine has a driver and " << (*driver)->deviceCount()
                 << " device(s)";
  const std::string &message = driver.status().message();
  EXPECT_TRUE(startsWith(message, "no NVIDIA driver: libcuda.so.1 could not be "
                                  "loaded (") ||
              startsWith(message, "the NVIDIA driver found no CUDA device"))
      << message;
}

TEST(CudaDriver, ToolkitStubLibraryIsNotMistakenForADriver) {
  // The toolkit's link-time stub exports every entry point but drives nothing.
  const std::string stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (!std::filesystem::exists(stub))
    GTEST_SKIP() << "no CUDA toolkit stub library at " << stub;
  StatusOr<std::unique_ptr<CudaDriver>> driver = CudaDriver::load(stub);
  ASSERT_FALSE(driver.isOk());
  EXPECT_TRUE(startsWith(driver.status().message(), "no NVIDIA driver: "))
      << driver.status().message();
  EXPECT_NE(driver.status().message().find("stub"), std::string::npos)
      << driver.status().message();
}

TEST(CudaLinkage, TestExecutableDoesNotLinkLibcuda) {
  StatusOr<std::vector<std::string>> needed =
      test::neededLibraries("/proc/self/exe");
  ASSERT_TRUE(needed.isOk()) << needed.status().message();
  EXPECT_FALSE(needed->empty()) << "a dynamic executable names libc at least";
  for (const std::string &library : *needed) {
    EXPECT_EQ(library.find("libcuda"), std::string::npos) << library;
    EXPECT_EQ(library.find("libnvrtc"), std::string::npos) << library;
  }
}

} // namespace
} // namespace llmc::cuda
