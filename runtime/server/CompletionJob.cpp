// A generation request on the worker threads: stream draining,
// detokenization, stop strings and the response's bytes.
#include "runtime/server/CompletionJob.h"

#include <boost/asio/post.hpp>

#include <chrono>

namespace llmc::server {

namespace {

std::string sseEvent(const nlohmann::json &value) {
  return "data: " + dumpJson(value) + "\n\n";
}

std::string newId(bool chat) {
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1);
  const uint64_t stamp =
      uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
  char text[48];
  std::snprintf(text, sizeof text, "%s-%012llx%06llx",
                chat ? "chatcmpl" : "cmpl",
                (unsigned long long)(stamp & 0xffffffffffffULL),
                (unsigned long long)(n & 0xffffff));
  return text;
}

} // namespace

CompletionJob::CompletionJob(ServingContext &context, PreparedRequest prepared,
                             std::shared_ptr<HttpExchange> exchange)
    : context_(context), prepared_(std::move(prepared)),
      exchange_(std::move(exchange)),
      detokenizer_(context.tokenizer, prepared_.prompt.back()),
      stops_(prepared_.params.stop), prev_(prepared_.prompt.back()) {
  ids_.chat = prepared_.params.chat;
  ids_.id = newId(ids_.chat);
  ids_.created =
      int64_t(std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count());
  ids_.model = context.modelName;
}

void CompletionJob::start(ServingContext &context, PreparedRequest prepared,
                          std::shared_ptr<HttpExchange> exchange) {
  const bool generate = prepared.request.stop.maxNewTokens > 0;
  auto job = std::make_shared<CompletionJob>(context, std::move(prepared),
                                             std::move(exchange));
  ++context.active;
  if (job->prepared_.params.stream)
    job->exchange_->beginStream();
  if (job->prepared_.params.echo) {
    std::vector<TokenInfo> infos;
    if (job->prepared_.params.logprobs >= 0) {
      int32_t prev = Tokenizer::kNoToken;
      for (size_t i = 0; i < job->prepared_.promptScores.size(); ++i) {
        TokenInfo info = job->infoOf(job->prepared_.promptScores[i], prev);
        if (i == 0)
          info.logprob.reset();
        prev = job->prepared_.promptScores[i].token;
        infos.push_back(std::move(info));
      }
    }
    job->pendingText_ = job->prepared_.echoText;
    job->pendingInfo_ = std::move(infos);
  }
  if (!generate) {
    std::lock_guard<std::mutex> lock(job->mutex_);
    job->finish("length");
    return;
  }
  StatusOr<std::shared_ptr<TokenStream>> stream =
      context.engine.submit(job->prepared_.request);
  if (!stream.isOk()) {
    std::lock_guard<std::mutex> lock(job->mutex_);
    job->fail(stream.status().message());
    return;
  }
  job->stream_ = *stream;
  std::weak_ptr<CompletionJob> weak = job;
  job->exchange_->onDisconnect([weak] {
    if (auto self = weak.lock())
      self->context_.engine.cancel(self->stream_);
  });
  // The listener keeps the job alive until it finishes and removes it.
  job->stream_->setListener([job] { job->schedulePump(); });
}

void CompletionJob::schedulePump() {
  // One pump queued at a time; it drains whatever arrived meanwhile.
  if (scheduled_.exchange(true))
    return;
  boost::asio::post(context_.workers,
                    [self = shared_from_this()] { self->pump(); });
}

TokenInfo CompletionJob::infoOf(const StreamToken &token, int32_t prev) const {
  const Tokenizer &tok = context_.tokenizer;
  TokenInfo info;
  info.text = std::string(tok.decodeToken(prev, token.token));
  info.logprob = token.logprob;
  for (const serving::TokenLogprob &alt : token.topLogprobs)
    info.top.emplace_back(std::string(tok.decodeToken(prev, alt.token)),
                          alt.logprob);
  return info;
}

void CompletionJob::pump() {
  std::lock_guard<std::mutex> lock(mutex_);
  scheduled_ = false;
  if (done_)
    return;
  StreamToken token;
  bool ended = false;
  while (stream_->tryNext(token, ended)) {
    ++completionTokens_;
    std::optional<TokenInfo> info;
    if (prepared_.params.logprobs >= 0)
      info = infoOf(token, prev_);
    prev_ = token.token;
    take(detokenizer_.push(token.token), std::move(info));
    if (stops_.stopped()) {
      // The rest of the generation is not wanted: free the slot now.
      context_.engine.cancel(stream_);
      finish("stop");
      return;
    }
  }
  if (!ended) {
    if (prepared_.params.stream)
      flushChunk(std::nullopt);
    return;
  }
  take(detokenizer_.flush(), std::nullopt);
  pendingText_ += stops_.flush();
  switch (stream_->end()) {
  case StreamEnd::Finished: {
    const auto reason = stream_->finishReason();
    finish(reason == serving::FinishReason::StopToken ? "stop" : "length");
    return;
  }
  case StreamEnd::Cancelled:
    finish("cancelled"); // the client left; nobody reads the answer
    return;
  default:
    fail(stream_->error());
    return;
  }
}

void CompletionJob::take(const std::string &text,
                         std::optional<TokenInfo> info) {
  pendingText_ += stops_.push(text);
  if (info)
    pendingInfo_.push_back(std::move(*info));
}

nlohmann::json
CompletionJob::logprobsJson(const std::vector<TokenInfo> &infos) const {
  if (prepared_.params.logprobs < 0)
    return nullptr;
  return ids_.chat ? chatLogprobs(infos)
                   : completionLogprobs(infos, textOffset_);
}

void CompletionJob::flushChunk(const std::optional<std::string> &reason) {
  const bool first = firstChunk_ && ids_.chat;
  if (pendingText_.empty() && pendingInfo_.empty() && !reason && !first)
    return;
  exchange_->send(
      sseEvent(streamChunk(ids_, pendingText_, logprobsJson(pendingInfo_),
                           reason, first, prepared_.params.includeUsage)));
  firstChunk_ = false;
  textOffset_ += int64_t(pendingText_.size());
  pendingText_.clear();
  pendingInfo_.clear();
}

void CompletionJob::finish(const std::string &reason) {
  done_ = true;
  const int64_t promptTokens = int64_t(prepared_.prompt.size());
  if (stream_) {
    stream_->setListener(nullptr);
    context_.metrics.recordGeneration(stream_->metrics(), promptTokens,
                                      completionTokens_, reason);
  } else {
    context_.metrics.recordGeneration({}, promptTokens, 0, reason);
  }
  if (reason != "cancelled") {
    if (prepared_.params.stream) {
      if (ids_.chat && !pendingText_.empty())
        flushChunk(std::nullopt); // the text, then the finish alone
      flushChunk(reason);
      if (prepared_.params.includeUsage)
        exchange_->send(
            sseEvent(usageChunk(ids_, promptTokens, completionTokens_)));
      exchange_->send("data: [DONE]\n\n");
      exchange_->endStream();
    } else {
      exchange_->respond(
          200, "application/json",
          dumpJson(fullResponse(ids_, pendingText_, logprobsJson(pendingInfo_),
                                reason, promptTokens, completionTokens_)));
    }
    context_.metrics.countResponse(200);
  }
  --context_.active;
}

void CompletionJob::fail(const std::string &message) {
  done_ = true;
  if (stream_)
    stream_->setListener(nullptr);
  ApiError error;
  error.status = 500;
  error.type = "internal_server_error";
  error.message = message;
  if (prepared_.params.stream) {
    exchange_->send("data: " + error.body() + "\n\n");
    exchange_->send("data: [DONE]\n\n");
    exchange_->endStream();
  } else {
    exchange_->respond(500, "application/json", error.body());
  }
  context_.metrics.countResponse(500);
  --context_.active;
}

} // namespace llmc::server
