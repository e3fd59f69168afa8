// Compiling with NVRTC: option assembly, one program per request, the results
// (cubin, PTX, log, ptxas resources, lowered names), and a small worker pool
// for many requests.
#include "compiler/Nvrtc/Nvrtc.h"

#include "compiler/Nvrtc/NvrtcLibrary.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace llmc::nvrtc {

/// What copies of an Nvrtc share.
struct Nvrtc::Shared {
  std::shared_ptr<const NvrtcLibrary> library;
  std::atomic<std::uint64_t> compiles{0};
};

namespace {

/// An arch name split into its number and variant: "sm_90a" -> 90, "a".
struct Arch {
  int number = 0;
  std::string variant; ///< "", "a" (arch-specific) or "f" (family)
};

StatusOr<Arch> parseArch(const std::string &arch) {
  auto invalid = [&] {
    return Status::error("invalid GPU architecture '" + arch +
                         "': expected sm_<major><minor>[a|f], e.g. sm_90a");
  };
  if (arch.rfind("sm_", 0) != 0)
    return invalid();
  std::size_t digitsEnd = 3;
  while (digitsEnd < arch.size() && arch[digitsEnd] >= '0' &&
         arch[digitsEnd] <= '9')
    ++digitsEnd;
  std::string variant = arch.substr(digitsEnd);
  if (digitsEnd == 3 || digitsEnd - 3 > 4 ||
      !(variant.empty() || variant == "a" || variant == "f"))
    return invalid();
  return Arch{std::stoi(arch.substr(3, digitsEnd - 3)), variant};
}

/// Owns one nvrtcProgram.
class Program {
public:
  explicit Program(const NvrtcLibrary &library) : library_(library) {}
  ~Program() {
    if (program_)
      (void)library_.nvrtcDestroyProgram(&program_);
  }
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;
  nvrtcProgram *out() { return &program_; }
  nvrtcProgram get() const { return program_; }

private:
  const NvrtcLibrary &library_;
  nvrtcProgram program_ = nullptr;
};

std::string programLog(const NvrtcLibrary &library, nvrtcProgram program) {
  std::size_t size = 0;
  if (library.nvrtcGetProgramLogSize(program, &size) != NVRTC_SUCCESS ||
      size <= 1)
    return "";
  std::string log(size, '\0');
  if (library.nvrtcGetProgramLog(program, log.data()) != NVRTC_SUCCESS)
    return "";
  log.resize(size - 1); // drop the terminating NUL
  return log;
}

} // namespace

const KernelResources *
CompileResult::kernel(const std::string &mangledName) const {
  for (const KernelResources &k : kernels)
    if (k.mangledName == mangledName)
      return &k;
  return nullptr;
}

StatusOr<Nvrtc> Nvrtc::load() {
  LLMC_ASSIGN_OR_RETURN(auto library, NvrtcLibrary::load());
  auto shared = std::make_shared<Shared>();
  shared->library = std::move(library);
  return Nvrtc(std::move(shared));
}

const std::string &Nvrtc::version() const { return shared_->library->version; }

const std::string &Nvrtc::libraryPath() const { return shared_->library->path; }

std::vector<std::string> Nvrtc::supportedArchs() const {
  std::vector<std::string> archs;
  for (int arch : shared_->library->supportedArchs)
    archs.push_back("sm_" + std::to_string(arch));
  return archs;
}

std::uint64_t Nvrtc::compileCount() const { return shared_->compiles.load(); }

StatusOr<std::vector<std::string>>
Nvrtc::options(const CompileRequest &request) const {
  const NvrtcLibrary &library = *shared_->library;
  LLMC_ASSIGN_OR_RETURN(Arch arch, parseArch(request.arch));
  const std::vector<int> &supported = library.supportedArchs;
  if (std::find(supported.begin(), supported.end(), arch.number) ==
      supported.end()) {
    std::string list;
    for (const std::string &name : supportedArchs())
      list += (list.empty() ? "" : ", ") + name;
    return Status::error("NVRTC " + library.version + " cannot compile for " +
                         request.arch + "; it supports " + list);
  }
  if (!request.wantCubin && !request.wantPtx)
    return Status::error("compile request " + request.name +
                         " asks for neither a cubin nor PTX");

  std::string target = request.wantCubin ? "sm_" : "compute_";
  target += std::to_string(arch.number) + arch.variant;
  std::vector<std::string> options = {"--std=c++17",
                                      "--gpu-architecture=" + target,
                                      "-default-device", "-lineinfo"};
  if (request.wantCubin)
    options.push_back("--ptxas-options=-v");
  // Without it, a repeated compile on a machine with a driver is served from
  // the driver's compute cache and its log lacks the ptxas report.
  options.push_back("--no-cache");
  if (!library.toolkitIncludeDir.empty())
    options.push_back("-I" + library.toolkitIncludeDir);
  options.insert(options.end(), request.options.begin(), request.options.end());
  return options;
}

StatusOr<CompileResult> Nvrtc::compile(const CompileRequest &request) const {
  const NvrtcLibrary &library = *shared_->library;
  const std::string name = request.name.empty() ? "kernel.cu" : request.name;
  LLMC_ASSIGN_OR_RETURN(std::vector<std::string> options,
                        this->options(request));

  std::vector<const char *> headerContents, headerNames;
  for (const auto &[headerName, contents] : request.headers) {
    headerNames.push_back(headerName.c_str());
    headerContents.push_back(contents.c_str());
  }
  Program program(library);
  LLMC_RETURN_IF_ERROR(library.check(
      library.nvrtcCreateProgram(program.out(), request.source.c_str(),
                                 name.c_str(), int(headerNames.size()),
                                 headerContents.data(), headerNames.data()),
      "nvrtcCreateProgram"));
  for (const std::string &expression : request.nameExpressions)
    LLMC_RETURN_IF_ERROR(library.check(
        library.nvrtcAddNameExpression(program.get(), expression.c_str()),
        "nvrtcAddNameExpression"));

  std::vector<const char *> optionPointers;
  for (const std::string &option : options)
    optionPointers.push_back(option.c_str());
  shared_->compiles.fetch_add(1);
  nvrtcResult compiled = library.nvrtcCompileProgram(
      program.get(), int(optionPointers.size()), optionPointers.data());
  CompileResult result;
  result.log = programLog(library, program.get());
  if (compiled != NVRTC_SUCCESS)
    return Status::error("nvrtc: compiling " + name + " for " + request.arch +
                         " failed (" + library.nvrtcGetErrorString(compiled) +
                         "):\n" + result.log);

  if (request.wantCubin) {
    std::size_t size = 0;
    LLMC_RETURN_IF_ERROR(library.check(
        library.nvrtcGetCUBINSize(program.get(), &size), "nvrtcGetCUBINSize"));
    result.cubin.resize(size);
    LLMC_RETURN_IF_ERROR(
        library.check(library.nvrtcGetCUBIN(program.get(), result.cubin.data()),
                      "nvrtcGetCUBIN"));
    result.kernels = parsePtxasInfo(result.log);
  }
  if (request.wantPtx) {
    std::size_t size = 0;
    LLMC_RETURN_IF_ERROR(library.check(
        library.nvrtcGetPTXSize(program.get(), &size), "nvrtcGetPTXSize"));
    result.ptx.resize(size);
    LLMC_RETURN_IF_ERROR(library.check(
        library.nvrtcGetPTX(program.get(), result.ptx.data()), "nvrtcGetPTX"));
    if (!result.ptx.empty() && result.ptx.back() == '\0')
      result.ptx.pop_back(); // the size counts the terminating NUL
  }
  for (const std::string &expression : request.nameExpressions) {
    const char *lowered = nullptr;
    LLMC_RETURN_IF_ERROR(
        library
            .check(library.nvrtcGetLoweredName(program.get(),
                                               expression.c_str(), &lowered),
                   "nvrtcGetLoweredName")
            .withContext(name + ": name expression '" + expression + "'"));
    result.loweredNames[expression] = lowered; // copied: the program owns it
  }
  return result;
}

std::vector<StatusOr<CompileResult>>
Nvrtc::compileAll(const std::vector<CompileRequest> &requests,
                  unsigned threads) const {
  std::vector<StatusOr<CompileResult>> results(
      requests.size(), StatusOr<CompileResult>(Status::error("not compiled")));
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = unsigned(std::min<std::size_t>(threads, requests.size()));
  // Workers take the next request index until none are left, so one slow
  // kernel does not hold up a fixed share of the others.
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < requests.size(); i = next++)
      results[i] = compile(requests[i]);
  };
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t)
    workers.emplace_back(work);
  work(); // the calling thread is the first worker
  for (std::thread &worker : workers)
    worker.join();
  return results;
}

} // namespace llmc::nvrtc
