// ThreadPool: a fixed set of workers for data-parallel loops in the CPU
// reference.
//
// A decode step of a small model issues dozens of loops of a few microseconds
// each, so waking sleeping threads through the kernel for every loop would cost
// more than the loop. Workers therefore spin for a short while after each job
// (watching an atomic generation counter) and only then block on a condition
// variable; an idle pool costs no CPU.
#pragma once

#include "runtime/Status.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmc::ref {

/// More workers than this is a mistake, never a configuration: each one is an
/// OS thread spinning between jobs.
constexpr int64_t kMaxThreads = 256;

/// What a requested thread count (a user's --threads) resolves to.
struct ThreadCount {
  unsigned threads = 1;
  std::string warning; ///< non-empty when the request was clamped
};

/// 0 means every hardware thread. Refuses a negative count or one above
/// kMaxThreads; clamps one above `hardwareThreads` (oversubscribed spinning
/// workers run many times slower) and says so in `warning`.
StatusOr<ThreadCount> resolveThreadCount(
    int64_t requested,
    unsigned hardwareThreads = std::thread::hardware_concurrency());

class ThreadPool {
public:
  /// numThreads == 0 picks std::thread::hardware_concurrency().
  explicit ThreadPool(unsigned numThreads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned size() const { return unsigned(workers_.size()) + 1; }

  /// Calls body(begin, end) over disjoint chunks covering [0, n), on the
  /// workers and the calling thread; returns when all chunks are done. The
  /// split is static (chunk i of size() equal parts goes to thread i). One
  /// caller at a time: the pool is not reentrant, so `body` must not call
  /// parallelFor on it.
  void parallelFor(int64_t n,
                   const std::function<void(int64_t begin, int64_t end)> &body);

private:
  void workerLoop(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_; // guards the blocking waits below
  std::condition_variable wake_, done_;
  // The current job; published before generation_ is incremented.
  const std::function<void(int64_t, int64_t)> *job_ = nullptr;
  int64_t jobSize_ = 0;
  std::atomic<uint64_t> generation_{0}; ///< bumped once per job
  std::atomic<unsigned> pending_{0};    ///< workers still running the job
  std::atomic<bool> stopping_{false};
};

} // namespace llmc::ref
