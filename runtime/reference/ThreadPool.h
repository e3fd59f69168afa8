// ThreadPool: a fixed set of workers for data-parallel loops in the CPU reference.
#pragma once

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

  /// Calls body(begin, end) over disjoint chunks covering [0, n), on the workers
  /// and the calling thread; returns when all chunks are done.
  void parallelFor(int64_t n,
                   const std::function<void(int64_t begin, int64_t end)> &body);

private:
  void workerLoop(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)> *job_ = nullptr;
  int64_t jobSize_ = 0;
  uint64_t generation_ = 0;
  unsigned pending_ = 0;
  bool stopping_ = false;
};

} // namespace llmc::ref
