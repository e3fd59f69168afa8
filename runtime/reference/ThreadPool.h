// ThreadPool: a fixed set of workers for data-parallel loops in the CPU
// reference.
//
// A decode step of a small model issues dozens of loops of a few microseconds
// each, so waking sleeping threads through the kernel for every loop would cost
// more than the loop. Workers therefore spin for a short while after each job
// (watching an atomic generation counter) and only then block on a condition
// variable; an idle pool costs no CPU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llmc::ref {

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
