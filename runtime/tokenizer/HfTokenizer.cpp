// Building and running a tokenizer.json BPE tokenizer (see HfTokenizer.h).
#include "runtime/tokenizer/HfTokenizer.h"

#include "runtime/tokenizer/BpeMerge.h"
#include "runtime/tokenizer/ByteLevelAlphabet.h"
#include "runtime/tokenizer/FileContents.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace llmc {

namespace {

uint64_t pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
         static_cast<uint32_t>(right);
}

void replaceAll(std::string &text, const std::string &from,
                const std::string &to) {
  if (from.empty())
    return;
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string::npos;
       pos = hit + from.size()) {
    out.append(text, pos, hit - pos);
    out.append(to);
  }
  out.append(text, pos, std::string::npos);
  text.swap(out);
}

/// The byte a "<0xNN>" byte-fallback entry stands for, or -1.
int byteFallbackValue(const std::string &text) {
  unsigned value;
  char tail;
  if (text.size() != 6 || text.compare(0, 3, "<0x") != 0 ||
      std::sscanf(text.c_str() + 3, "%2x%c", &value, &tail) != 2 ||
      tail != '>' || !std::isxdigit(static_cast<unsigned char>(text[3])) ||
      !std::isxdigit(static_cast<unsigned char>(text[4])))
    return -1;
  return static_cast<int>(value);
}

/// Splits before every occurrence of `delimiter`, which starts the piece that
/// follows it (Hugging Face's "MergedWithNext").
void splitBefore(const std::string &piece, const std::string &delimiter,
                 std::vector<std::string> &out) {
  size_t start = 0;
  for (size_t hit = piece.find(delimiter, 1); hit != std::string::npos;
       hit = piece.find(delimiter, hit + delimiter.size())) {
    if (hit > start)
      out.push_back(piece.substr(start, hit - start));
    start = hit;
  }
  out.push_back(piece.substr(start));
}

} // namespace

StatusOr<std::unique_ptr<HfTokenizer>>
HfTokenizer::load(const std::string &path) {
  LLMC_ASSIGN_OR_RETURN(std::string json, readFileContents(path));
  return fromJson(json, path);
}

StatusOr<std::unique_ptr<HfTokenizer>>
HfTokenizer::fromJson(std::string_view json, const std::string &path) {
  LLMC_ASSIGN_OR_RETURN(HfTokenizerSpec spec, parseHfTokenizerJson(json, path));
  return fromSpec(std::move(spec), path);
}

StatusOr<std::unique_ptr<HfTokenizer>>
HfTokenizer::fromSpec(HfTokenizerSpec spec, const std::string &path) {
  std::unique_ptr<HfTokenizer> tok(new HfTokenizer(std::move(spec)));
  LLMC_RETURN_IF_ERROR(tok->build(path));
  return tok;
}

Status HfTokenizer::build(const std::string &path) {
  auto fail = [&](const std::string &what) {
    return Status::error(path + ": " + what);
  };

  for (const HfPreTokenizerStep &step : spec_.preTokenizer) {
    byteLevel_ |= step.kind == HfPreTokenizerStep::Kind::ByteLevel;
    if (step.pattern.empty()) {
      splitters_.emplace_back();
      continue;
    }
    StatusOr<RegexSplitter> splitter = RegexSplitter::compile(step.pattern);
    if (!splitter)
      return splitter.status().withContext(path);
    splitters_.emplace_back(std::move(splitter).value());
  }

  // Ids may leave gaps; the vocabulary spans the largest id of either list.
  int32_t size = 0;
  for (const auto &[text, id] : spec_.vocab)
    size = std::max(size, id + 1);
  for (const HfAddedToken &token : spec_.addedTokens)
    size = std::max(size, token.id + 1);
  texts_.resize(size);
  decoded_.resize(size);
  special_.assign(size, 0);

  std::unordered_map<std::string, int32_t> modelIds;
  modelIds.reserve(spec_.vocab.size());
  wordIds_.reserve(spec_.vocab.size());
  for (const auto &[text, id] : spec_.vocab) {
    modelIds.emplace(text, id);
    texts_[id] = text;
    std::optional<std::string> raw;
    if (spec_.decodeByteLevel || byteLevel_)
      raw = bytelevel::decode(text);
    if (byteLevel_)
      wordIds_.emplace(raw ? *raw : text, id);
    else
      wordIds_.emplace(text, id);

    int fallbackByte = byteFallbackValue(text);
    if (spec_.decodeByteLevel && raw) {
      decoded_[id] = *raw;
    } else if (spec_.decodeByteFallback && fallbackByte >= 0) {
      decoded_[id] = std::string(1, static_cast<char>(fallbackByte));
    } else {
      decoded_[id] = text;
      for (const auto &[from, to] : spec_.decodeReplacements)
        replaceAll(decoded_[id], from, to);
    }
  }
  textIds_ = modelIds;
  for (const HfAddedToken &token : spec_.addedTokens) {
    texts_[token.id] = token.content;
    textIds_[token.content] = token.id;
    special_[token.id] = token.special;
    // Control tokens are not text; other added tokens read as written.
    decoded_[token.id] = token.special ? std::string() : token.content;
  }

  byteIds_.fill(kNoToken);
  for (unsigned b = 0; b < 256; ++b) {
    std::string key;
    if (byteLevel_) {
      key = std::string(1, static_cast<char>(b));
      auto it = wordIds_.find(key);
      if (it != wordIds_.end())
        byteIds_[b] = it->second;
      continue;
    }
    char hex[8];
    std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
    auto it = modelIds.find(hex);
    if (it != modelIds.end())
      byteIds_[b] = it->second;
  }
  if (!spec_.unkToken.empty()) {
    auto it = modelIds.find(spec_.unkToken);
    if (it == modelIds.end())
      return fail("unk_token '" + spec_.unkToken +
                  "' is not in the vocabulary");
    unkId_ = it->second;
  }

  merges_.reserve(spec_.merges.size());
  for (size_t rank = 0; rank < spec_.merges.size(); ++rank) {
    // Named references, not a structured binding: lambdas cannot capture
    // those before C++20.
    const std::string &left = spec_.merges[rank].first;
    const std::string &right = spec_.merges[rank].second;
    auto where = [&] {
      return "model.merges[" + std::to_string(rank) + "] '" + left + " " +
             right + "'";
    };
    auto l = modelIds.find(left), r = modelIds.find(right),
         merged = modelIds.find(left + right);
    if (l == modelIds.end() || r == modelIds.end())
      return fail(where() + " names a token that is not in the vocabulary");
    if (merged == modelIds.end())
      return fail(where() + " makes a token that is not in the vocabulary");
    // A repeated pair keeps its first (best) rank, as in the tokenizers
    // library.
    merges_.emplace(pairKey(l->second, r->second),
                    MergeResult{merged->second, static_cast<int32_t>(rank)});
  }
  // The merges are in merges_ now; the strings are no longer needed.
  spec_.merges.clear();
  spec_.merges.shrink_to_fit();
  spec_.vocab.clear();
  spec_.vocab.shrink_to_fit();

  chooseSpecialIds();
  return Status::ok();
}

void HfTokenizer::chooseSpecialIds() {
  auto firstPresent = [&](std::initializer_list<const char *> names) {
    for (const char *name : names) {
      auto it = textIds_.find(name);
      if (it != textIds_.end())
        return it->second;
    }
    return kNoToken;
  };
  // The template says which token starts a text; without one, the names the
  // LLaMA family uses.
  if (spec_.hasTemplate && !spec_.templatePrefix.empty())
    bosId_ = spec_.templatePrefix.front();
  else
    bosId_ = firstPresent({"<|begin_of_text|>", "<s>", "<bos>"});
  eosId_ = firstPresent({"<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>"});

  if (eosId_ != kNoToken)
    stopIds_.push_back(eosId_);
  for (const char *name : {"<|eot_id|>", "<|eom_id|>", "<|im_end|>",
                           "<|endoftext|>", "<end_of_turn>"}) {
    auto it = textIds_.find(name);
    if (it != textIds_.end() && special_[it->second] &&
        std::find(stopIds_.begin(), stopIds_.end(), it->second) ==
            stopIds_.end())
      stopIds_.push_back(it->second);
  }
}

std::string HfTokenizer::normalize(std::string_view text) const {
  std::string out(text);
  for (const HfNormalizerStep &step : spec_.normalizer) {
    switch (step.kind) {
    case HfNormalizerStep::Kind::Prepend:
      if (!out.empty())
        out.insert(0, step.text);
      break;
    case HfNormalizerStep::Kind::Replace:
      replaceAll(out, step.text, step.replacement);
      break;
    case HfNormalizerStep::Kind::Unicode:
      out = normalizeUnicode(out, step.form);
      break;
    }
  }
  return out;
}

std::vector<std::string> HfTokenizer::preTokenize(std::string text,
                                                  bool atStart) const {
  std::vector<std::string> pieces;
  if (!text.empty())
    pieces.push_back(std::move(text));
  for (size_t i = 0; i < spec_.preTokenizer.size(); ++i) {
    const HfPreTokenizerStep &step = spec_.preTokenizer[i];
    std::vector<std::string> next;
    for (size_t p = 0; p < pieces.size(); ++p) {
      std::string &piece = pieces[p];
      switch (step.kind) {
      case HfPreTokenizerStep::Kind::Split:
        splitters_[i]->split(piece, next);
        break;
      case HfPreTokenizerStep::Kind::ByteLevel:
        if (step.addPrefixSpace && piece.front() != ' ')
          piece.insert(0, " ");
        if (splitters_[i])
          splitters_[i]->split(piece, next);
        else
          next.push_back(std::move(piece));
        break;
      case HfPreTokenizerStep::Kind::Metaspace: {
        replaceAll(piece, " ", step.replacement);
        bool prepend = step.prepend == HfPreTokenizerStep::Prepend::Always ||
                       (step.prepend == HfPreTokenizerStep::Prepend::First &&
                        atStart && p == 0);
        if (prepend &&
            piece.compare(0, step.replacement.size(), step.replacement) != 0)
          piece.insert(0, step.replacement);
        if (step.splitOnReplacement)
          splitBefore(piece, step.replacement, next);
        else
          next.push_back(std::move(piece));
        break;
      }
      }
    }
    pieces.swap(next);
  }
  return pieces;
}

void HfTokenizer::appendCharacter(std::string_view character,
                                  std::vector<int32_t> &symbols) const {
  auto it = wordIds_.find(std::string(character));
  if (it != wordIds_.end()) {
    symbols.push_back(it->second);
    return;
  }
  if (spec_.byteFallback &&
      std::all_of(character.begin(), character.end(), [&](char c) {
        return byteIds_[static_cast<unsigned char>(c)] != kNoToken;
      })) {
    for (char c : character)
      symbols.push_back(byteIds_[static_cast<unsigned char>(c)]);
    return;
  }
  if (unkId_ == kNoToken)
    return; // the tokenizers library drops what it cannot represent
  if (spec_.fuseUnk && !symbols.empty() && symbols.back() == unkId_)
    return;
  symbols.push_back(unkId_);
}

void HfTokenizer::encodeWord(const std::string &word,
                             std::vector<int32_t> &ids) const {
  if (spec_.ignoreMerges) {
    auto it = wordIds_.find(word);
    if (it != wordIds_.end()) {
      ids.push_back(it->second);
      return;
    }
  }

  std::vector<int32_t> symbols;
  symbols.reserve(word.size());
  if (byteLevel_) {
    for (char c : word)
      if (int32_t id = byteIds_[static_cast<unsigned char>(c)]; id != kNoToken)
        symbols.push_back(id);
  } else {
    std::string_view rest = word;
    while (!rest.empty()) {
      utf8::Sequence seq = utf8::inspect(rest);
      if (seq.kind == utf8::SequenceKind::Complete) {
        appendCharacter(rest.substr(0, seq.length), symbols);
      } else {
        for (size_t i = 0; i < seq.length; ++i)
          appendCharacter(rest.substr(i, 1), symbols);
      }
      rest.remove_prefix(seq.length);
    }
  }

  applyBpeMerges(
      symbols, [&](int32_t left, int32_t right) -> std::optional<BpeMerge> {
        auto it = merges_.find(pairKey(left, right));
        if (it == merges_.end())
          return std::nullopt;
        return BpeMerge{it->second.id, static_cast<double>(it->second.rank)};
      });
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

std::vector<int32_t> HfTokenizer::encode(std::string_view text,
                                         bool addBos) const {
  std::vector<int32_t> ids;
  // The special tokens are the post-processor's: a file without a template
  // (Llama-3 files with a ByteLevel post-processor only) adds none.
  if (addBos && spec_.hasTemplate)
    ids = spec_.templatePrefix;
  for (const TextSegment &segment : addedTokens_.split(text)) {
    if (segment.addedId >= 0) {
      ids.push_back(segment.addedId);
      continue;
    }
    for (const std::string &word :
         preTokenize(normalize(segment.text), segment.offset == 0))
      encodeWord(word, ids);
  }
  if (addBos && spec_.hasTemplate)
    ids.insert(ids.end(), spec_.templateSuffix.begin(),
               spec_.templateSuffix.end());
  return ids;
}

std::string_view HfTokenizer::decodeToken(int32_t prevId, int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return {};
  std::string_view bytes = decoded_[id];
  // Undo the space that Prepend or Metaspace put before the first word: the
  // text starts here when no token (or only special ones, such as the BOS)
  // came before.
  if (spec_.stripLeadingSpace && (prevId == kNoToken || isSpecial(prevId)) &&
      !bytes.empty() && bytes.front() == ' ')
    bytes.remove_prefix(1);
  return bytes;
}

std::string_view HfTokenizer::tokenText(int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return {};
  return texts_[id];
}

std::optional<int32_t> HfTokenizer::tokenId(std::string_view text) const {
  auto it = textIds_.find(std::string(text));
  if (it == textIds_.end())
    return std::nullopt;
  return it->second;
}

} // namespace llmc
