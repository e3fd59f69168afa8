// Compiling the engine's units through the cache, in parallel.
#include "compiler/Driver/ModuleCompiler.h"

#include "compiler/kernels/KernelSources.h"
#include "runtime/engine/ArchName.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace llmc {

Status checkArchNames(const std::vector<std::string> &archs) {
  if (archs.empty())
    return Status::error("no target arch given");
  for (const std::string &arch : archs) {
    int number = archNumber(arch);
    if (number < 0)
      return Status::error("invalid arch '" + arch +
                           "' (expected sm_NN, e.g. sm_80 or sm_90a)");
    if (number < kOldestSupportedArch)
      return Status::error("unsupported arch " + arch +
                           ": the kernels need sm_80 or newer (bf16 "
                           "mma.sync, cp.async, ldmatrix)");
  }
  return Status::ok();
}

Status checkArchs(const std::vector<std::string> &archs,
                  const nvrtc::Nvrtc &nvrtc) {
  LLMC_RETURN_IF_ERROR(checkArchNames(archs));
  std::vector<std::string> supported;
  for (const std::string &arch : nvrtc.supportedArchs())
    if (archNumber(arch) >= kOldestSupportedArch)
      supported.push_back(arch);
  for (const std::string &arch : archs)
    if (std::none_of(supported.begin(), supported.end(),
                     [&](const std::string &s) {
                       return archNumber(s) == archNumber(arch);
                     })) {
      std::string list;
      for (const std::string &s : supported)
        list += (list.empty() ? "" : ", ") + s;
      return Status::error("unsupported arch " + arch + ": NVRTC " +
                           nvrtc.version() + " compiles for " + list);
    }
  return Status::ok();
}

std::string lowestArch(const std::vector<std::string> &archs) {
  return *std::min_element(archs.begin(), archs.end(),
                           [](const std::string &a, const std::string &b) {
                             return archNumber(a) < archNumber(b);
                           });
}

StatusOr<std::vector<CompiledUnit>>
compileUnits(const std::vector<codegen::PhaseSource> &units,
             const std::vector<std::string> &archs, const nvrtc::Nvrtc &nvrtc,
             const nvrtc::CompileCache &cache, ProgressLine &progress,
             std::vector<std::string> &warnings) {
  const std::string ptxArch = lowestArch(archs);
  // Jobs arch by arch, so that the display counts one arch at a time.
  struct Job {
    size_t unit;
    size_t arch;
    nvrtc::CompileRequest request;
  };
  std::vector<Job> jobs;
  for (size_t a = 0; a < archs.size(); ++a)
    for (size_t u = 0; u < units.size(); ++u) {
      nvrtc::CompileRequest request;
      request.name = units[u].fileName;
      request.source = units[u].source;
      request.headers = kernels::kernelHeaders();
      request.arch = archs[a];
      request.wantPtx = archs[a] == ptxArch;
      jobs.push_back({u, a, std::move(request)});
    }

  std::vector<CompiledUnit> compiled(units.size());
  for (size_t u = 0; u < units.size(); ++u) {
    compiled[u].fileName = units[u].fileName;
    compiled[u].binaries.resize(archs.size());
  }
  std::vector<Status> failures(jobs.size());
  std::mutex mutex;
  std::map<size_t, size_t> doneByArch;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j = next++; j < jobs.size(); j = next++) {
      const Job &job = jobs[j];
      StatusOr<nvrtc::CachedCompile> result = cache.compile(nvrtc, job.request);
      std::lock_guard<std::mutex> lock(mutex);
      if (!result.isOk()) {
        failures[j] = result.status();
      } else {
        if (!result->warning.isOk())
          warnings.push_back(result->warning.message());
        ArchBinary &binary = compiled[job.unit].binaries[job.arch];
        binary.arch = job.request.arch;
        binary.cubin = std::move(result->result.cubin);
        binary.ptx = std::move(result->result.ptx);
        binary.kernels = std::move(result->result.kernels);
        binary.cacheHit = result->cacheHit;
      }
      size_t done = ++doneByArch[job.arch];
      progress.update("compiling " + std::to_string(units.size()) +
                      " modules for " + job.request.arch + " [" +
                      std::to_string(done) + "/" +
                      std::to_string(units.size()) + "]");
    }
  };
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, unsigned(jobs.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &thread : pool)
    thread.join();

  for (size_t j = 0; j < jobs.size(); ++j)
    if (!failures[j].isOk())
      return failures[j].withContext("compiling " + jobs[j].request.name +
                                     " for " + jobs[j].request.arch);
  return compiled;
}

} // namespace llmc
