// CompletionJob: one generation request from submission to its last byte.
// The engine loop only signals that the request's stream has tokens; the job
// then runs on a worker thread: it drains the stream, detokenizes
// incrementally, matches stop strings (holding back text that may start
// one), and sends server-sent-event chunks or, at the end, the whole
// response. A client that disconnects cancels the request in the engine,
// which frees its slot and blocks at once.
#pragma once

#include "runtime/api/Engine.h"
#include "runtime/server/GenerationParams.h"
#include "runtime/server/HttpServer.h"
#include "runtime/server/ResponseFormat.h"
#include "runtime/server/ServerMetrics.h"
#include "runtime/server/StopMatcher.h"
#include "runtime/tokenizer/IncrementalDetokenizer.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace llmc::server {

/// What every job of one server shares.
struct ServingContext {
  Engine &engine;
  const Tokenizer &tokenizer;
  boost::asio::thread_pool &workers;
  ServerMetrics &metrics;
  std::string modelName;
  /// Generations accepted and not yet answered in full (SIGTERM drains
  /// them).
  std::atomic<int64_t> active{0};
};

/// A request ready to run: checked, tokenized, with its engine request.
struct PreparedRequest {
  GenerationParams params;
  std::vector<int32_t> prompt;
  serving::Request request;
  /// Echo: the prompt's text, and with logprobs its scored tokens.
  std::string echoText;
  std::vector<ScoredToken> promptScores;
};

class CompletionJob : public std::enable_shared_from_this<CompletionJob> {
public:
  /// Submits `prepared` to the engine and answers on `exchange`: a stream or,
  /// at the end, the whole response; an error when the engine refuses it.
  /// With max_tokens 0 (echo only) it answers at once.
  static void start(ServingContext &context, PreparedRequest prepared,
                    std::shared_ptr<HttpExchange> exchange);

  CompletionJob(ServingContext &context, PreparedRequest prepared,
                std::shared_ptr<HttpExchange> exchange);

private:
  void schedulePump();
  void pump();
  /// Takes the text completed by one token (and its log-probabilities).
  void take(const std::string &text, std::optional<TokenInfo> info);
  void flushChunk(const std::optional<std::string> &finishReason);
  void finish(const std::string &reason);
  void fail(const std::string &message);
  nlohmann::json logprobsJson(const std::vector<TokenInfo> &infos) const;
  TokenInfo infoOf(const StreamToken &token, int32_t prev) const;

  ServingContext &context_;
  PreparedRequest prepared_;
  std::shared_ptr<HttpExchange> exchange_;
  std::shared_ptr<TokenStream> stream_;
  ResponseIds ids_;
  std::atomic<bool> scheduled_{false};

  std::mutex mutex_; // one pump at a time
  IncrementalDetokenizer detokenizer_;
  StopMatcher stops_;
  int32_t prev_ = Tokenizer::kNoToken; ///< the last token, for decodeToken
  bool done_ = false;
  bool firstChunk_ = true;
  int64_t completionTokens_ = 0;
  int64_t textOffset_ = 0;  ///< bytes of text sent (completion logprobs)
  std::string pendingText_; ///< not sent yet
  std::vector<TokenInfo> pendingInfo_; ///< not sent yet
};

} // namespace llmc::server
