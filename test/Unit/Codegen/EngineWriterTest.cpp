// Writing an engine: the staged directory appears at its final path only on
// commit, replaces an existing engine but nothing else, and vanishes when
// abandoned; target archs are checked before anything is compiled.
#include "compiler/Driver/ModuleCompiler.h"
#include "compiler/Driver/StagedDirectory.h"

#include "../Nvrtc/NvrtcTestSupport.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace llmc {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Entries of `directory` other than `except`.
std::vector<std::string> entries(const fs::path &directory) {
  std::vector<std::string> names;
  for (const fs::directory_entry &entry : fs::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(StagedDirectory, AppearsOnlyOnCommitWithEveryFileHashed) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "e.llmc";
  auto staged = StagedDirectory::create(out.string());
  ASSERT_TRUE(staged.isOk()) << staged.status().message();
  ASSERT_TRUE((*staged)->writeFile("kernels/a.cu", "abc").isOk());
  ASSERT_TRUE((*staged)->writeFile("manifest.json", "{}").isOk());
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ((*staged)->fileHashes().at("kernels/a.cu"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_TRUE((*staged)->commit().isOk());
  EXPECT_EQ(readFile(out / "kernels/a.cu"), "abc");
  staged->reset();
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"e.llmc"});
}

TEST(StagedDirectory, AbandonedLeavesNothingBehind) {
  test::TemporaryDirectory dir;
  {
    auto staged = StagedDirectory::create(dir.path() + "/e.llmc");
    ASSERT_TRUE(staged.isOk());
    ASSERT_TRUE((*staged)->writeFile("weights.bin", "x").isOk());
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

/// An engine's manifest as far as replacing it goes: the files it lists.
const char *kOldManifest =
    R"({"format_version": 1, "file_hashes": {"kernels/stale.cu": "00"}})";

TEST(StagedDirectory, ReplacesAnExistingEngineWhole) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "e.llmc";
  fs::create_directories(out / "kernels");
  std::ofstream(out / "manifest.json") << kOldManifest;
  std::ofstream(out / "kernels" / "stale.cu") << "old";
  auto staged = StagedDirectory::create(out.string());
  ASSERT_TRUE(staged.isOk()) << staged.status().message();
  ASSERT_TRUE((*staged)->writeFile("manifest.json", "new").isOk());
  // Until the commit the old engine is untouched.
  EXPECT_EQ(readFile(out / "manifest.json"), kOldManifest);
  ASSERT_TRUE((*staged)->commit().isOk());
  EXPECT_EQ(readFile(out / "manifest.json"), "new");
  EXPECT_FALSE(fs::exists(out / "kernels" / "stale.cu"));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"e.llmc"});
}

TEST(StagedDirectory, RefusesToReplaceWhatIsNotAnEngine) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "photos";
  fs::create_directories(out);
  auto staged = StagedDirectory::create(out.string());
  ASSERT_FALSE(staged.isOk());
  EXPECT_NE(staged.status().message().find(
                "exists and is not an engine directory (cannot open"),
            std::string::npos)
      << staged.status().message();
  std::ofstream(fs::path(dir.path()) / "file") << "x";
  staged = StagedDirectory::create(dir.path() + "/file");
  ASSERT_FALSE(staged.isOk());
  EXPECT_NE(staged.status().message().find("exists and is not a directory"),
            std::string::npos);
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"file", "photos"}));
}

TEST(StagedDirectory, ReportsAnUnwritableParent) {
  test::TemporaryDirectory dir;
  std::ofstream(fs::path(dir.path()) / "file") << "x";
  auto staged = StagedDirectory::create(dir.path() + "/file/e.llmc");
  ASSERT_FALSE(staged.isOk());
  EXPECT_NE(staged.status().message().find("cannot create a directory in"),
            std::string::npos)
      << staged.status().message();
}

TEST(ModuleCompiler, ChecksArchNamesBeforeCompiling) {
  EXPECT_TRUE(checkArchNames({"sm_80", "sm_89", "sm_90a", "sm_100f"}).isOk());
  EXPECT_NE(checkArchNames({"sm_75"}).message().find(
                "unsupported arch sm_75: the kernels need sm_80 or newer"),
            std::string::npos);
  EXPECT_NE(checkArchNames({"sm90"}).message().find("invalid arch 'sm90'"),
            std::string::npos);
  EXPECT_NE(checkArchNames({"sm_90x"}).message().find("invalid arch"),
            std::string::npos);
  EXPECT_NE(checkArchNames({}).message().find("no target arch"),
            std::string::npos);
}

TEST(ModuleCompiler, PtxIsForTheLowestArch) {
  EXPECT_EQ(lowestArch({"sm_90a", "sm_80", "sm_89"}), "sm_80");
  EXPECT_EQ(lowestArch({"sm_100", "sm_90a"}), "sm_90a");
}

TEST(ModuleCompiler, RefusesArchsNvrtcCannotCompile) {
  LLMC_REQUIRE_NVRTC(nvrtc);
  EXPECT_TRUE(checkArchs({"sm_80", "sm_90a"}, nvrtc).isOk());
  Status status = checkArchs({"sm_90a", "sm_999"}, nvrtc);
  EXPECT_NE(status.message().find("unsupported arch sm_999: NVRTC"),
            std::string::npos)
      << status.message();
}

} // namespace
} // namespace llmc
