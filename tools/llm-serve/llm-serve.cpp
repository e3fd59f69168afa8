// llm-serve: an OpenAI-compatible HTTP server over the runtime's Engine.
//
//   llm-serve MODEL|ENGINE [--host 127.0.0.1] [--port 8000]
//             [--device cuda|cpu] [--api-key KEY] [--max-queue N]
//             [--served-model-name NAME]
//
// MODEL (a llama2.c checkpoint or a Hugging Face directory) runs on the CPU
// with --device cpu; with --device cuda it is compiled first by llm-compile
// (next to this binary) into an engine directory under the model cache, and
// an ENGINE directory from llm-compile is served as is. SIGTERM or SIGINT
// stops accepting, lets running requests finish, and exits 0.
#include "runtime/cpu/CpuExecutor.h"
#include "runtime/formats/ModelLoader.h"
#include "runtime/server/HttpServer.h"
#include "runtime/server/OpenAiServer.h"
#ifdef LLMC_HAVE_GPU
#include "runtime/api/GpuExecutor.h"
#endif

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llmc;

namespace {

struct Options {
  std::string model;
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string device = "cpu";
  std::string apiKey;
  int64_t maxQueue = 4096;
  std::string servedModelName;
  std::string tokenizer;
  unsigned threads = 0;
  int32_t maxSlots = CpuExecutorParams().maxSlots;
  uint64_t bodyLimit = 4 << 20;
  double gpuMemoryFraction = 0.9;
  bool noPrefixCaching = false;
};

bool exists(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

bool isEngineDirectory(const std::string &path) {
  return exists(path + "/manifest.json");
}

std::string baseName(std::string path) {
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.rfind(".bin");
  return dot != std::string::npos && dot + 4 == name.size()
             ? name.substr(0, dot)
             : name;
}

/// What the server runs on: the engine and its tokenizer.
struct Served {
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<Engine> engine;
  /// tokenizer_config.json beside the tokenizer (it may not exist).
  std::string tokenizerConfig;
};

std::string besideOf(const std::string &file, const std::string &name) {
  const size_t slash = file.find_last_of('/');
  return (slash == std::string::npos ? std::string()
                                     : file.substr(0, slash + 1)) +
         name;
}

StatusOr<Served> serveOnCpu(const Options &opts) {
  if (isEngineDirectory(opts.model))
    return Status::error(opts.model + " is a compiled engine, which runs on "
                                      "the GPU: pass --device cuda");
  LoadOptions loadOptions;
  loadOptions.tokenizerPath = opts.tokenizer;
  LLMC_ASSIGN_OR_RETURN(LoadedModel loaded, loadModel(opts.model, loadOptions));
  if (loaded.tokenizerPath.empty())
    return Status::error("no tokenizer found for " + opts.model +
                         "; pass --tokenizer PATH");
  Served served;
  LLMC_ASSIGN_OR_RETURN(served.tokenizer, loadTokenizer(loaded.tokenizerPath));
  served.tokenizerConfig =
      besideOf(loaded.tokenizerPath, "tokenizer_config.json");
  LLMC_ASSIGN_OR_RETURN(
      CpuModel model,
      CpuModel::create(loaded.config, loaded.weights, opts.threads));
  CpuExecutorParams params;
  params.maxSlots = opts.maxSlots;
  SchedulingOptions scheduling;
  scheduling.prefixCaching = !opts.noPrefixCaching;
  LLMC_ASSIGN_OR_RETURN(served.engine,
                        createCpuEngine(std::move(model), params, scheduling));
  return served;
}

#ifdef LLMC_HAVE_GPU
/// Compiles `model` with the llm-compile beside this binary into the engine
/// cache (once per model path), and returns the engine directory.
StatusOr<std::string> compileFirst(const std::string &model,
                                   const std::string &self) {
  std::string cache;
  if (const char *dir = std::getenv("LLMC_MODEL_CACHE"); dir && *dir)
    cache = dir;
  else if (const char *home = std::getenv("HOME"); home && *home)
    cache = std::string(home) + "/.cache/llmc";
  const std::string output =
      cache + "/engines/" + baseName(model) + "-" +
      std::to_string(std::hash<std::string>()(model) % 1000000007ULL);
  if (isEngineDirectory(output))
    return output;
  const std::string dir = self.substr(0, self.find_last_of('/') + 1);
  const std::string command =
      "'" + dir + "llm-compile' '" + model + "' -o '" + output + "' -q";
  std::fprintf(stderr, "llm-serve: compiling %s into %s\n", model.c_str(),
               output.c_str());
  if (std::system(("mkdir -p '" + cache + "/engines' && " + command).c_str()) !=
      0)
    return Status::error("compiling " + model + " failed: " + command);
  return output;
}

StatusOr<Served> serveOnGpu(const Options &opts, const std::string &self) {
  std::string engineDir = opts.model;
  if (!isEngineDirectory(engineDir)) {
    LLMC_ASSIGN_OR_RETURN(engineDir, compileFirst(opts.model, self));
  }
  EngineOptions engineOptions;
  engineOptions.device.gpuMemoryFraction = opts.gpuMemoryFraction;
  engineOptions.prefixCaching = !opts.noPrefixCaching;
  Served served;
  LLMC_ASSIGN_OR_RETURN(served.engine,
                        createGpuEngine(engineDir, engineOptions));
  const Manifest &manifest = gpuExecutor(*served.engine).manifest();
  std::string tokenizerPath = opts.tokenizer;
  if (tokenizerPath.empty() && !manifest.tokenizer.file.empty())
    tokenizerPath = engineDir + "/" + manifest.tokenizer.file;
  if (tokenizerPath.empty())
    return Status::error("the engine " + engineDir +
                         " has no tokenizer; pass --tokenizer PATH");
  LLMC_ASSIGN_OR_RETURN(served.tokenizer, loadTokenizer(tokenizerPath));
  served.tokenizerConfig = besideOf(tokenizerPath, "tokenizer_config.json");
  return served;
}
#endif

/// Many open streams need many descriptors: raise the soft limit to the hard.
void raiseDescriptorLimit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Status run(const Options &opts, const std::string &self) {
  StatusOr<Served> served = Status::error("unreachable");
  if (opts.device == "cuda") {
#ifdef LLMC_HAVE_GPU
    served = serveOnGpu(opts, self);
#else
    return Status::error("this build has no CUDA support; use --device cpu");
#endif
  } else {
    served = serveOnCpu(opts);
  }
  if (!served.isOk())
    return served.status();
  Engine &engine = *served->engine;

  server::ServerOptions serverOptions;
  serverOptions.modelName = opts.servedModelName.empty() ? baseName(opts.model)
                                                         : opts.servedModelName;
  serverOptions.apiKey = opts.apiKey;
  serverOptions.maxQueue = opts.maxQueue;
  LLMC_ASSIGN_OR_RETURN(server::ChatPrompt chat,
                        server::ChatPrompt::forModel(served->tokenizerConfig,
                                                     *served->tokenizer));
  server::OpenAiServer api(engine, *served->tokenizer, serverOptions, chat);

  boost::asio::io_context io(1);
  server::HttpServerParams params;
  params.host = opts.host;
  params.port = opts.port;
  params.bodyLimit = opts.bodyLimit;
  params.handler = [&api](server::HttpRequest request,
                          std::shared_ptr<server::HttpExchange> exchange) {
    api.handle(std::move(request), std::move(exchange));
  };
  params.errorBody = [](int status, const std::string &message) {
    server::ApiError error;
    error.status = status;
    error.message = message;
    error.code = status == 413 ? "request_too_large" : "bad_request";
    return error.body();
  };
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<server::HttpServer> http,
                        server::HttpServer::start(io, params));
  api.setOpenConnections([&http] { return http->openConnections(); });

  // SIGTERM: stop accepting, drain, stop.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  boost::asio::steady_timer drainTimer(io);
  std::function<void()> waitForDrain = [&] {
    if (api.activeRequests() == 0) {
      io.stop();
      return;
    }
    drainTimer.expires_after(std::chrono::milliseconds(20));
    drainTimer.async_wait([&](boost::system::error_code) { waitForDrain(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec)
      return;
    std::fprintf(stderr,
                 "llm-serve: signal %d: draining %lld running requests\n",
                 signal, (long long)api.activeRequests());
    http->stopAccepting();
    api.beginDrain();
    waitForDrain();
  });

  std::fprintf(
      stderr, "llm-serve: serving %s (%s, context %lld, %s) on http://%s:%u\n",
      serverOptions.modelName.c_str(), engine.executor().deviceName().c_str(),
      (long long)engine.config().maxSeqLen,
      chat.hasTemplate() ? "its chat template" : "plain chat format",
      opts.host.c_str(), unsigned(http->port()));
  io.run();
  std::fprintf(stderr, "llm-serve: stopped\n");
  return Status::ok();
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  CLI::App app{"Serves a model over an OpenAI-compatible HTTP API."};
  app.add_option("model", opts.model,
                 "llama2.c checkpoint or Hugging Face model directory, or an "
                 "engine directory from llm-compile (--device cuda)")
      ->required();
  app.add_option("--host", opts.host, "address to listen on");
  app.add_option("--port", opts.port, "port to listen on (0: any free one)");
  app.add_option("--device", opts.device, "cpu or cuda")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--api-key", opts.apiKey,
                 "require 'Authorization: Bearer KEY' on /v1/ routes");
  app.add_option("--max-queue", opts.maxQueue,
                 "requests waiting for a slot before new ones get 429")
      ->check(CLI::PositiveNumber);
  app.add_option("--served-model-name", opts.servedModelName,
                 "the model's name in the API (default: the file's name)");
  app.add_option("--tokenizer", opts.tokenizer,
                 "tokenizer.bin or tokenizer.json (default: found beside the "
                 "model)");
  app.add_option("--threads", opts.threads, "CPU threads (0 = all)");
  app.add_option("--max-slots", opts.maxSlots,
                 "CPU device: requests decoded at once")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body-bytes", opts.bodyLimit,
                 "larger request bodies get 413");
  app.add_option("--gpu-memory-fraction", opts.gpuMemoryFraction,
                 "share of the GPU's memory the engine may use")
      ->check(CLI::Range(0.05, 1.0));
  app.add_flag("--no-prefix-caching", opts.noPrefixCaching,
               "recompute every prompt (for comparisons)");
  CLI11_PARSE(app, argc, argv);

  raiseDescriptorLimit();
  Status status = run(opts, argv[0]);
  if (!status.isOk()) {
    std::cerr << "llm-serve: error: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
