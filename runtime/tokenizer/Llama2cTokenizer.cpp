// Reading and running a llama2.c tokenizer.bin (see Llama2cTokenizer.h).
#include "runtime/tokenizer/Llama2cTokenizer.h"

#include "runtime/tokenizer/BpeMerge.h"
#include "runtime/tokenizer/FileContents.h"
#include "runtime/tokenizer/Utf8.h"

#include <cstdio>
#include <cstring>

namespace llmc {

namespace {

int32_t readInt32(std::string_view bytes, size_t offset) {
  int32_t value;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

float readFloat32(std::string_view bytes, size_t offset) {
  float value;
  std::memcpy(&value, bytes.data() + offset, sizeof(value));
  return value;
}

/// True when `piece` is a spelling of byte `b` that some exporter writes for a
/// byte-fallback entry: "<0xNN>", chr(b) in UTF-8, or the raw byte.
bool spellsByte(const std::string &piece, unsigned b) {
  char hex[8];
  std::snprintf(hex, sizeof(hex), "<0x%02X>", b);
  if (piece == hex)
    return true;
  std::snprintf(hex, sizeof(hex), "<0x%02x>", b);
  if (piece == hex)
    return true;
  if (piece.size() == 1 && static_cast<unsigned char>(piece[0]) == b)
    return true;
  if (b >= 0x80 && piece.size() == 2)
    return static_cast<unsigned char>(piece[0]) == (0xC0 | (b >> 6)) &&
           static_cast<unsigned char>(piece[1]) == (0x80 | (b & 0x3F));
  return false;
}

} // namespace

StatusOr<std::unique_ptr<Llama2cTokenizer>>
Llama2cTokenizer::load(const std::string &path,
                       std::optional<int32_t> expectedVocabSize) {
  LLMC_ASSIGN_OR_RETURN(std::string bytes, readFileContents(path));
  return parse(bytes, path, expectedVocabSize);
}

StatusOr<std::unique_ptr<Llama2cTokenizer>>
Llama2cTokenizer::parse(std::string_view bytes, const std::string &path,
                        std::optional<int32_t> expectedVocabSize) {
  auto fail = [&](const std::string &what) {
    return Status::error(path + ": " + what);
  };
  if (expectedVocabSize && *expectedVocabSize <= 0)
    return fail("expected vocabulary size must be positive, got " +
                std::to_string(*expectedVocabSize));
  if (bytes.size() < 4)
    return fail("too short for the tokenizer.bin header (needs 4 bytes for "
                "max_token_length, has " +
                std::to_string(bytes.size()) + ")");

  std::unique_ptr<Llama2cTokenizer> tok(new Llama2cTokenizer());
  tok->maxTokenLength_ = readInt32(bytes, 0);
  if (tok->maxTokenLength_ <= 0)
    return fail("max_token_length at offset 0 is " +
                std::to_string(tok->maxTokenLength_) + ", must be positive");

  size_t offset = 4;
  while (offset < bytes.size()) {
    const size_t entry = tok->pieces_.size();
    if (expectedVocabSize && entry == static_cast<size_t>(*expectedVocabSize))
      return fail(
          "has more than the expected " + std::to_string(*expectedVocabSize) +
          " entries (unread bytes from offset " + std::to_string(offset) + ")");
    const std::string where = "token entry " + std::to_string(entry) +
                              " (offset " + std::to_string(offset) + ")";
    const size_t left = bytes.size() - offset;
    if (left < 8)
      return fail("truncated at " + where +
                  ": needs 8 bytes for score and length, has " +
                  std::to_string(left));
    float score = readFloat32(bytes, offset);
    int32_t length = readInt32(bytes, offset + 4);
    if (length < 0 || length > tok->maxTokenLength_)
      return fail(where + " has length " + std::to_string(length) +
                  ", outside [0, max_token_length " +
                  std::to_string(tok->maxTokenLength_) + "]");
    if (left - 8 < static_cast<size_t>(length))
      return fail("truncated at " + where + ": needs " +
                  std::to_string(length) + " bytes of text, has " +
                  std::to_string(left - 8));
    tok->scores_.push_back(score);
    tok->pieces_.emplace_back(bytes.substr(offset + 8, length));
    offset += 8 + length;
  }

  const size_t count = tok->pieces_.size();
  if (expectedVocabSize && count < static_cast<size_t>(*expectedVocabSize))
    return fail("truncated: has " + std::to_string(count) +
                " token entries, expected " +
                std::to_string(*expectedVocabSize));
  if (count < static_cast<size_t>(kFirstByteId))
    return fail("has " + std::to_string(count) +
                " token entries; a llama2.c vocabulary starts with <unk>, "
                "<s> and </s>");
  tok->index();
  return tok;
}

void Llama2cTokenizer::index() {
  const int32_t count = vocabSize();
  byteFallback_ = count >= kFirstByteId + 256;
  for (unsigned b = 0; b < 256 && byteFallback_; ++b)
    byteFallback_ = spellsByte(pieces_[kFirstByteId + b], b);

  decoded_.resize(count);
  for (int32_t id = 0; id < count; ++id) {
    if (isSpecial(id))
      continue; // control tokens decode to nothing
    if (isByteToken(id)) {
      decoded_[id] = std::string(1, static_cast<char>(id - kFirstByteId));
      continue;
    }
    decoded_[id] = pieces_[id];
    // SentencePiece pieces are unique; should a file repeat one, the lowest
    // id wins, as a binary search over the sorted vocabulary would find it.
    pieceIds_.emplace(pieces_[id], id);
  }
}

void Llama2cTokenizer::appendSymbol(std::string_view character,
                                    std::vector<int32_t> &symbols) const {
  auto it = pieceIds_.find(std::string(character));
  if (it != pieceIds_.end()) {
    symbols.push_back(it->second);
    return;
  }
  if (!byteFallback_) {
    symbols.push_back(kUnkId);
    return;
  }
  for (char c : character)
    symbols.push_back(kFirstByteId + static_cast<unsigned char>(c));
}

std::vector<int32_t> Llama2cTokenizer::encode(std::string_view text,
                                              bool addBos) const {
  std::vector<int32_t> ids;
  if (addBos)
    ids.push_back(kBosId);
  if (text.empty())
    return ids;

  // SentencePiece's dummy prefix: the text is encoded as if it began with a
  // space, so a word is the same token at the start and in the middle.
  std::vector<int32_t> symbols;
  symbols.reserve(text.size() + 1);
  appendSymbol(" ", symbols);
  while (!text.empty()) {
    utf8::Sequence seq = utf8::inspect(text);
    if (seq.kind == utf8::SequenceKind::Complete) {
      appendSymbol(text.substr(0, seq.length), symbols);
    } else {
      // Bytes that are not a whole character go through byte fallback one by
      // one; no ordinary piece can contain them.
      for (size_t i = 0; i < seq.length; ++i)
        appendSymbol(text.substr(i, 1), symbols);
    }
    text.remove_prefix(seq.length);
  }

  std::string concat;
  applyBpeMerges(
      symbols, [&](int32_t left, int32_t right) -> std::optional<BpeMerge> {
        // Control and byte-fallback tokens never merge (SentencePiece keeps
        // them whole); everything else merges into the concatenation if it is a
        // piece.
        if (isSpecial(left) || isSpecial(right) || isByteToken(left) ||
            isByteToken(right))
          return std::nullopt;
        concat.assign(pieces_[left]);
        concat.append(pieces_[right]);
        auto it = pieceIds_.find(concat);
        if (it == pieceIds_.end())
          return std::nullopt;
        return BpeMerge{it->second, -static_cast<double>(scores_[it->second])};
      });
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  return ids;
}

std::string_view Llama2cTokenizer::decodeToken(int32_t prevId,
                                               int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return {};
  std::string_view bytes = decoded_[id];
  // The encoder's dummy-prefix space is not part of the text.
  if ((prevId == kNoToken || isSpecial(prevId)) && !isByteToken(id) &&
      !bytes.empty() && bytes.front() == ' ')
    bytes.remove_prefix(1);
  return bytes;
}

std::string_view Llama2cTokenizer::tokenText(int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return {};
  return pieces_[id];
}

} // namespace llmc
