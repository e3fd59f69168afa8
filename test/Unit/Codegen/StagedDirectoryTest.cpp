// What a compile may replace, and what an interrupted compile leaves: only
// an llmc engine is replaced (a directory that merely holds a manifest.json
// is not one) unless forced; SIGTERM removes the staging directory; a later
// compile sweeps a dead process's leftovers and restores an engine it had
// moved aside.
#include "compiler/Driver/StagedDirectory.h"
#include "compiler/Driver/StagingCleanup.h"

#include "../Nvrtc/NvrtcTestSupport.h"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace llmc {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> entries(const fs::path &directory) {
  std::vector<std::string> names;
  for (const fs::directory_entry &entry : fs::directory_iterator(directory))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The pid of a process that has exited (and been reaped).
pid_t deadPid() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST(StagedDirectory, RefusesADirectoryThatOnlyHoldsAManifestJson) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "project";
  fs::create_directories(out);
  std::ofstream(out / "manifest.json") << R"({"name": "my web app"})";
  std::ofstream(out / "index.js") << "precious";
  auto staged = StagedDirectory::create(out.string());
  ASSERT_FALSE(staged.isOk());
  EXPECT_NE(staged.status().message().find(
                "its manifest.json is not an llmc engine manifest); refusing "
                "to replace it (pass --force to replace it anyway)"),
            std::string::npos)
      << staged.status().message();
  EXPECT_EQ(readFile(out / "index.js"), "precious");
}

TEST(StagedDirectory, RefusesAnEngineHoldingFilesItsManifestDoesNotList) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "e.llmc";
  fs::create_directories(out);
  std::ofstream(out / "manifest.json")
      << R"({"format_version": 1, "file_hashes": {"weights.bin": "00"}})";
  std::ofstream(out / "weights.bin") << "w";
  std::ofstream(out / "notes.txt") << "mine";
  auto staged = StagedDirectory::create(out.string());
  ASSERT_FALSE(staged.isOk());
  EXPECT_NE(staged.status().message().find(
                "holds notes.txt, which its engine manifest does not list"),
            std::string::npos)
      << staged.status().message();
}

TEST(StagedDirectory, ForceReplacesAnyDirectory) {
  test::TemporaryDirectory dir;
  fs::path out = fs::path(dir.path()) / "project";
  fs::create_directories(out);
  std::ofstream(out / "index.js") << "old";
  auto staged = StagedDirectory::create(out.string(), /*force=*/true);
  ASSERT_TRUE(staged.isOk()) << staged.status().message();
  ASSERT_TRUE((*staged)->writeFile("manifest.json", "{}").isOk());
  ASSERT_TRUE((*staged)->commit().isOk());
  EXPECT_EQ(entries(out), std::vector<std::string>{"manifest.json"});
  staged->reset();
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"project"});
}

TEST(StagedDirectory, SigtermRemovesTheStagingDirectory) {
  test::TemporaryDirectory dir;
  const std::string out = dir.path() + "/e.llmc";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto staged = StagedDirectory::create(out);
    if (!staged.isOk() || !(*staged)->writeFile("kernels/a.cu", "x").isOk())
      ::_exit(2);
    ::raise(SIGTERM);
    ::_exit(3); // not reached: the handler re-raises with the default action
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(StagedDirectory, SweepsStagingDirectoriesOfDeadProcessesOnly) {
  test::TemporaryDirectory dir;
  const fs::path parent(dir.path());
  const std::string dead = ".e.llmc.tmp-" + std::to_string(deadPid()) + "-abc";
  const std::string live = ".e.llmc.tmp-" + std::to_string(::getppid()) + "-x";
  const std::string other = ".f.llmc.tmp-" + std::to_string(deadPid()) + "-y";
  for (const std::string &name : {dead, live, other}) {
    fs::create_directories(parent / name / "kernels");
    std::ofstream(parent / name / "kernels" / "big.cubin") << "x";
  }
  auto staged = StagedDirectory::create((parent / "e.llmc").string());
  ASSERT_TRUE(staged.isOk()) << staged.status().message();
  EXPECT_FALSE(fs::exists(parent / dead));
  EXPECT_TRUE(fs::exists(parent / live));  // its process still runs
  EXPECT_TRUE(fs::exists(parent / other)); // another output's
}

TEST(StagedDirectory, RestoresAnEngineADeadProcessHadMovedAside) {
  test::TemporaryDirectory dir;
  const fs::path parent(dir.path());
  const fs::path aside =
      parent / (".e.llmc.old-" + std::to_string(deadPid()) + "-abc");
  fs::create_directories(aside);
  std::ofstream(aside / "manifest.json")
      << R"({"format_version": 1, "file_hashes": {}})";
  sweepStaleStaging((parent / "e.llmc").string());
  EXPECT_EQ(entries(parent), std::vector<std::string>{"e.llmc"});
  EXPECT_TRUE(fs::exists(parent / "e.llmc" / "manifest.json"));
}

TEST(StagedDirectory, ReplacingLeavesNoSiblingBehind) {
  test::TemporaryDirectory dir;
  const fs::path out = fs::path(dir.path()) / "e.llmc";
  for (const char *content : {"one", "two"}) {
    auto staged = StagedDirectory::create(out.string());
    ASSERT_TRUE(staged.isOk()) << staged.status().message();
    ASSERT_TRUE((*staged)->writeFile("weights.bin", content).isOk());
    std::string manifest =
        R"({"format_version": 1, "file_hashes": {"weights.bin": "00"}})";
    ASSERT_TRUE((*staged)->writeFile("manifest.json", manifest).isOk());
    ASSERT_TRUE((*staged)->commit().isOk());
  }
  EXPECT_EQ(readFile(out / "weights.bin"), "two");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"e.llmc"});
}

TEST(StagingCleanup, RemovesATreeWithSystemCallsOnly) {
  test::TemporaryDirectory dir;
  const fs::path root = fs::path(dir.path()) / "t";
  fs::create_directories(root / "a" / "b");
  std::ofstream(root / "a" / "b" / "f") << "x";
  std::ofstream(root / "g") << "y";
  fs::create_symlink("/etc", root / "link"); // removed, not followed
  EXPECT_TRUE(removeTreeSignalSafe(root.c_str()));
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(fs::exists("/etc/hostname") || fs::exists("/etc"));
}

} // namespace
} // namespace llmc
