// StagingCleanup: removes the staging directories of an interrupted compile.
//
// A compile writes its engine into a staging directory beside the output
// (StagedDirectory). Destructors remove it on every error path, but Ctrl-C,
// SIGTERM or SIGHUP end the process without running them, which would leave
// an engine-sized directory behind. The first registration installs handlers
// for those three signals (unless the signal is ignored, as under nohup);
// a handler removes every registered directory with async-signal-safe system
// calls only, then re-raises the signal with its default action so the
// process still dies of it. A kill -9 cannot be caught: those directories
// are swept by the next compile to the same output (StagedDirectory::create).
//
// The registry is process-wide by necessity (a signal handler sees no other
// state); it holds at most kMaxStagingDirectories paths.
#pragma once

#include "runtime/Status.h"

#include <string>

namespace llmc {

constexpr int kMaxStagingDirectories = 8;

/// Registers `path` for removal on SIGINT, SIGTERM or SIGHUP; returns its
/// slot. Fails when every slot is taken or the path is too long.
StatusOr<int> registerStagingDirectory(const std::string &path);

/// Forgets slot `slot` (the directory was committed or removed).
void unregisterStagingDirectory(int slot);

/// Removes the tree at `path` with raw system calls (openat, getdents64,
/// unlinkat): what the signal handler runs, exposed for tests. Returns
/// false when something could not be removed.
bool removeTreeSignalSafe(const char *path);

} // namespace llmc
