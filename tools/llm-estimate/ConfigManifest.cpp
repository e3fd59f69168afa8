// Running llm-compile --emit=manifest as a subprocess and reading its result.
#include "tools/llm-estimate/ConfigManifest.h"

#include "runtime/estimate/EngineCosts.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char **environ;

namespace llmc {

namespace fs = std::filesystem;

namespace {

/// A private temporary directory, removed with everything in it.
class TemporaryDirectory {
public:
  static StatusOr<TemporaryDirectory> create() {
    std::error_code error;
    fs::path base = fs::temp_directory_path(error);
    if (error)
      base = "/tmp";
    std::string pattern = (base / "llm-estimate-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      return Status::error("cannot create a temporary directory in " +
                           base.string() + ": " + std::strerror(errno));
    return TemporaryDirectory(pattern);
  }
  TemporaryDirectory(TemporaryDirectory &&other) noexcept
      : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TemporaryDirectory &operator=(TemporaryDirectory &&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    if (!path_.empty())
      fs::remove_all(path_, ignored);
  }
  const fs::path &path() const { return path_; }

private:
  explicit TemporaryDirectory(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

std::string readText(const fs::path &path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// llm-compile's error message: its log without the tool's prefix and the
/// trailing newline.
std::string compilerMessage(std::string log) {
  const std::string prefix = "llm-compile: error: ";
  if (const size_t at = log.find(prefix); at != std::string::npos)
    log = log.substr(at + prefix.size());
  while (!log.empty() && (log.back() == '\n' || log.back() == ' '))
    log.pop_back();
  return log.empty() ? "it printed no message" : log;
}

/// Runs `argv` with stdout discarded and stderr written to `log`; returns
/// its exit status.
StatusOr<int> runProcess(const std::vector<std::string> &argv,
                         const fs::path &log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char *> args;
  for (const std::string &arg : argv)
    args.push_back(const_cast<char *>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr,
                                  args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    return Status::error("cannot run " + argv[0] + ": " +
                         std::strerror(spawned));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return Status::error("waiting for " + argv[0] + ": " +
                           std::strerror(errno));
  if (WIFSIGNALED(status))
    return Status::error(argv[0] + " was killed by signal " +
                         std::to_string(WTERMSIG(status)));
  return WEXITSTATUS(status);
}

} // namespace

StatusOr<std::string> findCompiler() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error)
    return Status::error("cannot find this executable's directory "
                         "(/proc/self/exe): " +
                         error.message());
  const fs::path compiler = self.parent_path() / "llm-compile";
  if (access(compiler.c_str(), X_OK) != 0)
    return Status::error(
        "llm-compile is not beside llm-estimate (no executable " +
        compiler.string() +
        "): estimating a model that is not compiled needs it to compile the "
        "model's manifest; build llm-compile (it needs the CUDA toolkit), or "
        "estimate an engine directory");
  return compiler.string();
}

StatusOr<Manifest>
compileManifest(const std::string &compiler, const std::string &model,
                const std::vector<std::string> &compileFlags) {
  LLMC_ASSIGN_OR_RETURN(TemporaryDirectory scratch,
                        TemporaryDirectory::create());
  const fs::path engine = scratch.path() / "engine.llmc";
  const fs::path log = scratch.path() / "llm-compile.log";
  std::vector<std::string> argv = {compiler, model,           "--emit=manifest",
                                   "-o",     engine.string(), "--quiet"};
  argv.insert(argv.end(), compileFlags.begin(), compileFlags.end());
  LLMC_ASSIGN_OR_RETURN(int exitCode, runProcess(argv, log));
  if (exitCode != 0)
    return Status::error("llm-compile could not compile " + model + ": " +
                         compilerMessage(readText(log)));
  return readEngineManifest(engine.string());
}

} // namespace llmc
