// The signal handler and its registry of staging directories.
#include "compiler/Driver/StagingCleanup.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <mutex>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace llmc {

namespace {

struct Slot {
  std::atomic<bool> active{false};
  char path[PATH_MAX];
};

Slot gSlots[kMaxStagingDirectories];
std::mutex gRegistryMutex; // registration only; never taken in the handler
bool gHandlersInstalled = false;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

/// The kernel's struct linux_dirent64, which getdents64 fills.
struct LinuxDirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

/// Empties the directory open as `dirFd` (recursing into subdirectories up
/// to `depth` levels) without malloc, stdio or locks.
bool emptyDirectory(int dirFd, int depth) {
  bool ok = true;
  alignas(8) char buffer[4096];
  bool removedAny = false;
  while (true) {
    long n = syscall(SYS_getdents64, dirFd, buffer, sizeof buffer);
    if (n < 0)
      return false;
    if (n == 0) {
      // The end of a listing. Entries removed while reading may hide
      // others from it: list again until a pass removes nothing.
      if (!removedAny)
        return ok;
      removedAny = false;
      ::lseek(dirFd, 0, SEEK_SET);
      continue;
    }
    for (long at = 0; at < n;) {
      auto *entry = reinterpret_cast<LinuxDirent64 *>(buffer + at);
      at += entry->reclen;
      const char *name = entry->name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0)
        continue;
      if (::unlinkat(dirFd, name, 0) == 0) {
        removedAny = true;
        continue;
      }
      if (errno != EISDIR && errno != EPERM) {
        ok = false;
        continue;
      }
      int child = ::openat(dirFd, name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0 || depth <= 0) {
        if (child >= 0)
          ::close(child);
        ok = false;
        continue;
      }
      ok = emptyDirectory(child, depth - 1) && ok;
      ::close(child);
      if (::unlinkat(dirFd, name, AT_REMOVEDIR) == 0)
        removedAny = true;
      else
        ok = false;
    }
  }
}

void onSignal(int signal) {
  const int savedErrno = errno;
  for (Slot &slot : gSlots)
    if (slot.active.load())
      removeTreeSignalSafe(slot.path);
  // Die of the signal as if it had never been caught.
  std::signal(signal, SIG_DFL);
  errno = savedErrno;
  ::raise(signal);
}

void installHandlers() {
  for (int signal : kSignals) {
    struct sigaction previous;
    if (::sigaction(signal, nullptr, &previous) != 0 ||
        previous.sa_handler == SIG_IGN)
      continue; // e.g. SIGHUP under nohup: stay ignored
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    for (int other : kSignals) // one handler at a time
      sigaddset(&action.sa_mask, other);
    ::sigaction(signal, &action, nullptr);
  }
}

} // namespace

bool removeTreeSignalSafe(const char *path) {
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT;
  // An engine nests two or three levels; 16 bounds the stack.
  bool ok = emptyDirectory(fd, 16);
  ::close(fd);
  return ::rmdir(path) == 0 && ok;
}

StatusOr<int> registerStagingDirectory(const std::string &path) {
  if (path.size() >= PATH_MAX)
    return Status::error("staging path too long: " + path);
  std::lock_guard<std::mutex> lock(gRegistryMutex);
  if (!gHandlersInstalled) {
    installHandlers();
    gHandlersInstalled = true;
  }
  for (int i = 0; i < kMaxStagingDirectories; ++i) {
    Slot &slot = gSlots[i];
    if (slot.active.load())
      continue;
    std::memcpy(slot.path, path.c_str(), path.size() + 1);
    slot.active.store(true); // published after the path is complete
    return i;
  }
  return Status::error("more than " + std::to_string(kMaxStagingDirectories) +
                       " engines staged at once");
}

void unregisterStagingDirectory(int slot) {
  if (slot >= 0 && slot < kMaxStagingDirectories)
    gSlots[slot].active.store(false);
}

} // namespace llmc
