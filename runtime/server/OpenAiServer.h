// OpenAiServer: the OpenAI-compatible API over an Engine.
//
//   POST /v1/completions, POST /v1/chat/completions   (stream: SSE)
//   GET  /v1/models, GET /health, GET /metrics
//
// handle() runs on the HTTP I/O thread and does only routing, the API-key
// check and the cheap answers; parsing, tokenization and the checks against
// the model run on the worker pool, and each accepted request becomes a
// CompletionJob. Refusals are OpenAI-shaped (ApiError): 400 bad parameters,
// 401 a wrong or missing key, 404 an unknown model or path, 405 a wrong
// method, 413 an oversized body (HttpServer), 429 a full queue, 503 while
// draining.
#pragma once

#include "runtime/server/ChatPrompt.h"
#include "runtime/server/CompletionJob.h"

#include <optional>

namespace llmc::server {

struct ServerOptions {
  std::string modelName;
  std::string apiKey;      ///< "": no key needed
  int64_t maxQueue = 1024; ///< requests waiting for a slot before 429
  int workerThreads = 2;   ///< tokenization and detokenization
};

class OpenAiServer {
public:
  OpenAiServer(Engine &engine, const Tokenizer &tokenizer,
               ServerOptions options, ChatPrompt chat);
  ~OpenAiServer();

  /// The HttpServer's handler.
  void handle(HttpRequest request, std::shared_ptr<HttpExchange> exchange);
  /// From now on generation requests get 503; running ones go on.
  void beginDrain() { draining_ = true; }
  /// Generations accepted and not answered in full.
  int64_t activeRequests() const { return context_.active.load(); }
  void setOpenConnections(std::function<int64_t()> count) {
    openConnections_ = std::move(count);
  }

private:
  void reply(HttpExchange &exchange, const ApiError &error);
  void reply(HttpExchange &exchange, int status, const std::string &type,
             std::string body);
  /// On a worker: parse, check, tokenize, then start the job.
  void prepare(const HttpRequest &request, bool chat,
               std::shared_ptr<HttpExchange> exchange);
  std::variant<PreparedRequest, ApiError> check(GenerationParams params);
  std::string modelsJson() const;

  ServerOptions options_;
  ChatPrompt chat_;
  ServerMetrics metrics_;
  boost::asio::thread_pool workers_;
  ServingContext context_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> seeds_{0};
  std::function<int64_t()> openConnections_;
  int64_t created_ = 0;
};

} // namespace llmc::server
