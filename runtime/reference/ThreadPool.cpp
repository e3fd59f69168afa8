// ThreadPool: the fixed set of workers behind the CPU reference's parallel
// loops.
//
// One job runs at a time. parallelFor publishes the loop body and bumps the
// generation counter; every worker (and the calling thread) runs one static
// chunk of [0, n) and the caller waits until the last worker reports back.
// Static chunks keep the split deterministic, so results never depend on
// timing.
//
// Waiting is spin-then-block on both sides: a spinning thread notices a new job
// (or the end of one) within a fraction of a microsecond, and a thread that has
// spun for kSpinTime without news sleeps on a condition variable. Every change
// a blocked thread waits for is made under mutex_, so no wakeup is lost.
#include "runtime/reference/ThreadPool.h"

#include <algorithm>
#include <chrono>

namespace llmc::ref {

namespace {

/// Long enough to bridge the gap between the loops of one forward pass, short
/// enough that idle workers stop burning a shared CPU almost at once.
constexpr std::chrono::microseconds kSpinTime(100);

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

/// Spins until ready() holds or kSpinTime passes; returns ready().
template <typename Ready> bool spinUntil(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned i = 1;; ++i) {
    if (ready())
      return true;
    // After a few microseconds, yield instead: on a busy machine the thread we
    // wait for may be queued behind us on this very core.
    if (i < 512)
      cpuRelax();
    else
      std::this_thread::yield();
    // Reading the clock costs ~20 ns; check it only now and then.
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline)
      return ready();
  }
}

/// Chunk `index` of `parts` equal splits of [0, n).
void chunkBounds(int64_t n, unsigned parts, unsigned index, int64_t &begin,
                 int64_t &end) {
  begin = n * int64_t(index) / int64_t(parts);
  end = n * int64_t(index + 1) / int64_t(parts);
}

} // namespace

StatusOr<ThreadCount> resolveThreadCount(int64_t requested,
                                         unsigned hardwareThreads) {
  const unsigned hardware = std::max(1u, hardwareThreads);
  if (requested < 0)
    return Status::error("--threads must not be negative, got " +
                         std::to_string(requested));
  if (requested > kMaxThreads)
    return Status::error("--threads " + std::to_string(requested) +
                         " exceeds the limit of " +
                         std::to_string(kMaxThreads) + " threads");
  ThreadCount count;
  count.threads = requested == 0 ? hardware : unsigned(requested);
  if (count.threads > hardware) {
    count.warning = "--threads " + std::to_string(requested) + " exceeds the " +
                    std::to_string(hardware) + " hardware threads; using " +
                    std::to_string(hardware) +
                    " (more would only make the workers wait on each other)";
    count.threads = hardware;
  }
  return count;
}

ThreadPool::ThreadPool(unsigned numThreads) {
  if (numThreads == 0)
    numThreads = std::thread::hardware_concurrency();
  if (numThreads == 0)
    numThreads = 1;
  // The calling thread takes chunk 0, so only numThreads - 1 workers are
  // started.
  workers_.reserve(numThreads - 1);
  for (unsigned i = 1; i < numThreads; ++i)
    workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

void ThreadPool::parallelFor(
    int64_t n, const std::function<void(int64_t begin, int64_t end)> &body) {
  if (n <= 0)
    return;
  // A single item, or no workers: nothing to share.
  if (workers_.empty() || n == 1) {
    body(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &body;
    jobSize_ = n;
    pending_.store(unsigned(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();

  int64_t begin, end;
  chunkBounds(n, size(), 0, begin, end);
  if (begin < end)
    body(begin, end);

  auto finished = [this] {
    return pending_.load(std::memory_order_acquire) == 0;
  };
  if (!spinUntil(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
}

void ThreadPool::workerLoop(unsigned index) {
  uint64_t seen = 0;
  for (;;) {
    auto news = [&] {
      return stopping_.load(std::memory_order_acquire) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spinUntil(news)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, news);
    }
    if (stopping_.load(std::memory_order_acquire))
      return;
    seen = generation_.load(std::memory_order_acquire);
    // job_ and jobSize_ were written before the generation bump we observed.
    const std::function<void(int64_t, int64_t)> &job = *job_;
    int64_t begin, end;
    chunkBounds(jobSize_, size(), index, begin, end);
    if (begin < end)
      job(begin, end);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The last worker out wakes a caller that stopped spinning; taking the
      // mutex orders this notify after the caller's predicate check.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

} // namespace llmc::ref
