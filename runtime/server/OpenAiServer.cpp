// Routing, admission and request checks of the OpenAI-compatible API.
#include "runtime/server/OpenAiServer.h"

#include <boost/asio/post.hpp>

#include <chrono>
#include <random>

namespace llmc::server {

using nlohmann::json;

namespace {

ApiError apiError(int status, const std::string &type,
                  const std::string &message, const std::string &code = "",
                  const std::string &param = "") {
  ApiError e;
  e.status = status;
  e.type = type;
  e.message = message;
  e.code = code;
  e.param = param;
  return e;
}

/// The path without its query.
std::string pathOf(const std::string &target) {
  return target.substr(0, target.find('?'));
}

} // namespace

OpenAiServer::OpenAiServer(Engine &engine, const Tokenizer &tokenizer,
                           ServerOptions options, ChatPrompt chat)
    : options_(std::move(options)), chat_(chat),
      workers_(size_t(std::max(1, options_.workerThreads))),
      context_{engine, tokenizer, workers_, metrics_, options_.modelName, {0}} {
  created_ = int64_t(std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  // Requests without a seed still get distinct random streams.
  seeds_ = std::random_device{}();
}

OpenAiServer::~OpenAiServer() { workers_.join(); }

void OpenAiServer::reply(HttpExchange &exchange, const ApiError &error) {
  reply(exchange, error.status, "application/json", error.body());
}

void OpenAiServer::reply(HttpExchange &exchange, int status,
                         const std::string &type, std::string body) {
  metrics_.countResponse(status);
  Headers headers;
  if (status == 401)
    headers.emplace_back("WWW-Authenticate", "Bearer");
  exchange.respond(status, type, std::move(body), std::move(headers));
}

std::string OpenAiServer::modelsJson() const {
  json model = {{"id", options_.modelName},
                {"object", "model"},
                {"created", created_},
                {"owned_by", "llmc"},
                {"max_model_len", context_.engine.config().maxSeqLen}};
  return dumpJson({{"object", "list"}, {"data", json::array({model})}});
}

void OpenAiServer::handle(HttpRequest request,
                          std::shared_ptr<HttpExchange> exchange) {
  const std::string path = pathOf(request.target);
  const bool get = request.method == "GET", post = request.method == "POST";
  if (path == "/health") {
    if (!get)
      return reply(*exchange,
                   apiError(405, "invalid_request_error", "use GET /health",
                            "method_not_allowed"));
    return reply(*exchange, 200, "application/json", "{\"status\":\"ok\"}");
  }
  if (path == "/metrics") {
    if (!get)
      return reply(*exchange,
                   apiError(405, "invalid_request_error", "use GET /metrics",
                            "method_not_allowed"));
    return reply(*exchange, 200, "text/plain; version=0.0.4",
                 metrics_.render(context_.engine,
                                 openConnections_ ? openConnections_() : 0));
  }
  if (!options_.apiKey.empty() &&
      request.authorization != "Bearer " + options_.apiKey)
    return reply(*exchange,
                 apiError(401, "invalid_request_error",
                          request.authorization.empty()
                              ? "no API key provided: send the header "
                                "'Authorization: Bearer KEY'"
                              : "incorrect API key provided",
                          "invalid_api_key"));
  if (path == "/v1/models") {
    if (!get)
      return reply(*exchange,
                   apiError(405, "invalid_request_error", "use GET /v1/models",
                            "method_not_allowed"));
    return reply(*exchange, 200, "application/json", modelsJson());
  }
  const bool chat = path == "/v1/chat/completions";
  if (!chat && path != "/v1/completions")
    return reply(*exchange, apiError(404, "invalid_request_error",
                                     "no route " + request.method + " " + path,
                                     "not_found"));
  if (!post)
    return reply(*exchange, apiError(405, "invalid_request_error",
                                     "use POST " + path, "method_not_allowed"));
  if (draining_)
    return reply(*exchange,
                 apiError(503, "server_error", "the server is shutting down",
                          "shutting_down"));
  boost::asio::post(workers_, [this, request = std::move(request), chat,
                               exchange = std::move(exchange)]() mutable {
    prepare(request, chat, std::move(exchange));
  });
}

std::variant<PreparedRequest, ApiError>
OpenAiServer::check(GenerationParams params) {
  const Engine &engine = context_.engine;
  const Tokenizer &tokenizer = context_.tokenizer;
  const int64_t contextLength = engine.config().maxSeqLen;
  if (!params.model.empty() && params.model != options_.modelName)
    return apiError(404, "invalid_request_error",
                    "the model '" + params.model +
                        "' does not exist; this "
                        "server serves '" +
                        options_.modelName + "'",
                    "model_not_found", "model");
  if (params.logprobs >= 0 && !engine.executor().reportsLogprobs())
    return invalidParam(params.chat ? "logprobs" : "logprobs",
                        "log-probabilities are not supported by this device (" +
                            engine.executor().deviceName() + ")",
                        "unsupported_parameter");
  if (engine.load().queued >= options_.maxQueue)
    return apiError(429, "rate_limit_exceeded",
                    "the server's queue is full (" +
                        std::to_string(options_.maxQueue) +
                        " requests waiting); retry later",
                    "queue_full");

  PreparedRequest prepared;
  const char *promptParam = params.chat ? "messages" : "prompt";
  if (params.chat) {
    StatusOr<std::string> text = chat_.render(params.messages);
    if (!text.isOk())
      return invalidParam("messages",
                          "the model's chat template refused the messages: " +
                              text.status().message(),
                          "invalid_messages");
    prepared.prompt = tokenizer.encode(*text, chat_.addBos());
  } else if (params.promptIsIds) {
    for (int32_t id : params.promptIds)
      if (id >= engine.config().vocabSize)
        return invalidParam("prompt",
                            "token id " + std::to_string(id) +
                                " is outside the vocabulary of " +
                                std::to_string(engine.config().vocabSize));
    prepared.prompt = params.promptIds;
  } else {
    prepared.prompt = tokenizer.encode(params.prompt, /*addBos=*/true);
  }
  if (prepared.prompt.empty())
    return invalidParam(promptParam, "the prompt is empty");
  const int64_t promptTokens = int64_t(prepared.prompt.size());
  if (promptTokens + 1 > contextLength)
    return invalidParam(promptParam,
                        "this model's maximum context length is " +
                            std::to_string(contextLength) +
                            " tokens; the prompt has " +
                            std::to_string(promptTokens) +
                            " tokens, which leaves no room for a completion",
                        "context_length_exceeded");
  const int64_t room = contextLength - promptTokens;
  if (params.maxTokens && *params.maxTokens > room)
    return invalidParam(
        params.chat ? "max_tokens" : "max_tokens",
        "this model's maximum context length is " +
            std::to_string(contextLength) + " tokens; the prompt has " +
            std::to_string(promptTokens) + " and max_tokens " + "asks for " +
            std::to_string(*params.maxTokens) + " more",
        "context_length_exceeded");
  const int32_t maxTokens =
      params.maxTokens
          ? *params.maxTokens
          : int32_t(params.chat ? room : std::min<int64_t>(16, room));

  serving::Request &r = prepared.request;
  r.prompt = prepared.prompt;
  r.stop.maxNewTokens = maxTokens;
  for (int32_t id : tokenizer.stopIds())
    r.stop.eosIds.push_back(id);
  r.sampling.temperature = params.temperature;
  r.sampling.topP = params.topP;
  r.sampling.topK = params.topK;
  r.sampling.seed = params.seed ? *params.seed : seeds_.fetch_add(0x9e3779b9);
  r.topLogprobs = params.logprobs;
  if (params.echo)
    prepared.echoText =
        params.promptIsIds ? tokenizer.decode(prepared.prompt) : params.prompt;
  prepared.params = std::move(params);
  return prepared;
}

void OpenAiServer::prepare(const HttpRequest &request, bool chat,
                           std::shared_ptr<HttpExchange> exchange) {
  std::variant<GenerationParams, ApiError> parsed =
      parseGenerationParams(request.body, chat);
  if (auto *error = std::get_if<ApiError>(&parsed))
    return reply(*exchange, *error);
  std::variant<PreparedRequest, ApiError> checked =
      check(std::move(std::get<GenerationParams>(parsed)));
  if (auto *error = std::get_if<ApiError>(&checked))
    return reply(*exchange, *error);
  PreparedRequest prepared = std::move(std::get<PreparedRequest>(checked));
  if (!(prepared.params.echo && prepared.params.logprobs >= 0)) {
    CompletionJob::start(context_, std::move(prepared), std::move(exchange));
    return;
  }
  // Echo with logprobs scores the prompt first (on the engine's device).
  std::vector<int32_t> tokens = prepared.prompt;
  const int32_t top = prepared.params.logprobs;
  auto shared = std::make_shared<PreparedRequest>(std::move(prepared));
  context_.engine.score(
      std::move(tokens), top,
      [this, shared, exchange](StatusOr<std::vector<ScoredToken>> scores) {
        boost::asio::post(workers_, [this, shared, exchange,
                                     scores = std::move(scores)]() mutable {
          if (!scores.isOk())
            return reply(*exchange,
                         invalidParam("echo", scores.status().message(),
                                      "unsupported_parameter"));
          shared->promptScores = std::move(scores).value();
          CompletionJob::start(context_, std::move(*shared),
                               std::move(exchange));
        });
      });
}

} // namespace llmc::server
