// The parts of the tokenizer interface shared by every format, and the loader
// that picks the format (see Tokenizer.h).
#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/FileContents.h"
#include "runtime/tokenizer/HfTokenizer.h"
#include "runtime/tokenizer/Llama2cTokenizer.h"

#include <filesystem>

namespace llmc {

Tokenizer::~Tokenizer() = default;

std::string Tokenizer::decode(const std::vector<int32_t> &ids,
                              int32_t prevId) const {
  std::string text;
  for (int32_t id : ids) {
    text.append(decodeToken(prevId, id));
    // A special token (a BOS in the middle) does not start the text again.
    if (!isSpecial(id))
      prevId = id;
  }
  return text;
}

namespace {

/// True when `bytes` is a JSON object: it starts with '{' after whitespace
/// (and maybe a UTF-8 byte order mark). A tokenizer.bin starts with its int32
/// max_token_length, whose upper bytes are NUL for any sane length, and JSON
/// text never contains NUL, so the two cannot be confused.
bool looksLikeJson(std::string_view bytes) {
  if (bytes.substr(0, 4).find('\0') != std::string_view::npos)
    return false;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF")
    bytes.remove_prefix(3);
  size_t first = bytes.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && bytes[first] == '{';
}

} // namespace

StatusOr<std::unique_ptr<Tokenizer>> loadTokenizer(const std::string &path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char *name : {"tokenizer.json", "tokenizer.bin"}) {
      fs::path candidate = fs::path(path) / name;
      if (fs::exists(candidate, ec))
        return loadTokenizer(candidate.string());
    }
    return Status::error(path + ": directory holds neither tokenizer.json nor "
                                "tokenizer.bin");
  }

  LLMC_ASSIGN_OR_RETURN(std::string bytes, readFileContents(path));
  if (looksLikeJson(bytes)) {
    LLMC_ASSIGN_OR_RETURN(std::unique_ptr<HfTokenizer> tok,
                          HfTokenizer::fromJson(bytes, path));
    return std::unique_ptr<Tokenizer>(std::move(tok));
  }
  LLMC_ASSIGN_OR_RETURN(std::unique_ptr<Llama2cTokenizer> tok,
                        Llama2cTokenizer::parse(bytes, path));
  return std::unique_ptr<Tokenizer>(std::move(tok));
}

StatusOr<std::string> checkTokenizerFitsModel(const Tokenizer &tokenizer,
                                              const std::string &path,
                                              int64_t modelVocab) {
  const int64_t own = tokenizer.vocabSize();
  if (own > modelVocab)
    return Status::error("tokenizer " + path + " has " + std::to_string(own) +
                         " tokens but the model has only " +
                         std::to_string(modelVocab));
  if (own * 10 < modelVocab * 9)
    return "tokenizer " + path + " has " + std::to_string(own) +
           " tokens, far fewer than the model's " + std::to_string(modelVocab) +
           ": is it the model's own tokenizer? Ids past " +
           std::to_string(own - 1) + " cannot be decoded";
  return std::string();
}

} // namespace llmc
