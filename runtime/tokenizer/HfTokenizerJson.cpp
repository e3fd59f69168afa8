// Reads a Hugging Face tokenizer.json into an HfTokenizerSpec (see
// HfTokenizerSpec.h). Each component is checked against what HfTokenizer can
// run; anything else is refused by name rather than approximated.
#include "runtime/tokenizer/HfTokenizerSpec.h"

#include "runtime/files/JsonDepth.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>

namespace llmc {

namespace {

using nlohmann::json;

/// The pattern GPT-2's ByteLevel pre-tokenizer splits on when use_regex is set.
constexpr const char *kGpt2SplitRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// Ids at or above this are refused: the tokenizer keeps tables indexed by
/// id, and real vocabularies stay far below it (Llama-3 has 128256 tokens).
constexpr int64_t kMaxTokenId = int64_t(1) << 24;

/// True when `value` is an integer usable as a token id.
bool isTokenId(const json &value) {
  return value.is_number_integer() && value.get<int64_t>() >= 0 &&
         value.get<int64_t>() < kMaxTokenId;
}

/// Walks one tokenizer.json; every error names the file.
class SpecReader {
public:
  SpecReader(const std::string &path, HfTokenizerSpec &spec)
      : path_(path), spec_(spec) {}

  Status read(const json &root) {
    if (!root.is_object())
      return fail("the top level is not a JSON object");
    LLMC_RETURN_IF_ERROR(readModel(field(root, "model")));
    LLMC_RETURN_IF_ERROR(readAddedTokens(field(root, "added_tokens")));
    LLMC_RETURN_IF_ERROR(readNormalizer(field(root, "normalizer")));
    LLMC_RETURN_IF_ERROR(readPreTokenizer(field(root, "pre_tokenizer")));
    LLMC_RETURN_IF_ERROR(readPostProcessor(field(root, "post_processor")));
    return readDecoder(field(root, "decoder"));
  }

private:
  Status fail(const std::string &what) const {
    return Status::error(path_ + ": " + what);
  }
  Status unsupported(const std::string &component,
                     const std::string &type) const {
    return fail("unsupported " + component + " '" + type + "'");
  }

  /// The member `key` of `object`, or null when absent.
  static const json &field(const json &object, const char *key) {
    static const json null;
    auto it = object.find(key);
    return it == object.end() ? null : *it;
  }
  static std::string typeOf(const json &component) {
    const json &type = field(component, "type");
    return type.is_string() ? type.get<std::string>() : "<no type>";
  }
  static bool flag(const json &object, const char *key, bool fallback) {
    const json &value = field(object, key);
    return value.is_boolean() ? value.get<bool>() : fallback;
  }
  static std::string text(const json &object, const char *key) {
    const json &value = field(object, key);
    return value.is_string() ? value.get<std::string>() : std::string();
  }

  /// Reads a {"String": s} or {"Regex": r} pattern as a regex.
  Status readPattern(const json &pattern, const std::string &component,
                     bool allowRegex, std::string &regex) {
    if (pattern.contains("String")) {
      regex = quoteRegex(pattern["String"].get<std::string>());
      return Status::ok();
    }
    if (allowRegex && pattern.contains("Regex")) {
      regex = pattern["Regex"].get<std::string>();
      return Status::ok();
    }
    return fail("unsupported pattern in " + component + ": " + pattern.dump());
  }
  /// A regex matching `literal`: ASCII punctuation is escaped, which PCRE2
  /// always reads as the literal character.
  static std::string quoteRegex(const std::string &literal) {
    std::string quoted;
    for (char c : literal) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x80 && !std::isalnum(u))
        quoted.push_back('\\');
      quoted.push_back(c);
    }
    return quoted;
  }
  /// Reads a pattern that must be a plain string (normalizer and decoder
  /// Replace).
  Status readLiteral(const json &pattern, const std::string &component,
                     std::string &literal) {
    if (!pattern.contains("String"))
      return fail("unsupported pattern in " + component + ": " +
                  pattern.dump() + " (only String patterns)");
    literal = pattern["String"].get<std::string>();
    return Status::ok();
  }

  Status readModel(const json &model) {
    if (!model.is_object())
      return fail("no \"model\" object");
    std::string type = typeOf(model);
    // Files written before the field existed hold a BPE model without it.
    if (type == "<no type>" && model.contains("merges"))
      type = "BPE";
    if (type != "BPE")
      return fail("unsupported model type '" + type +
                  "' (only BPE is supported)");
    if (!field(model, "continuing_subword_prefix").is_null() &&
        !text(model, "continuing_subword_prefix").empty())
      return unsupported("BPE option", "continuing_subword_prefix");
    if (!field(model, "end_of_word_suffix").is_null() &&
        !text(model, "end_of_word_suffix").empty())
      return unsupported("BPE option", "end_of_word_suffix");
    const json &dropout = field(model, "dropout");
    if (dropout.is_number() && dropout.get<double>() > 0)
      return unsupported("BPE option", "dropout");

    const json &vocab = field(model, "vocab");
    if (!vocab.is_object())
      return fail("model.vocab is not an object");
    spec_.vocab.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!isTokenId(it.value()))
        return fail("model.vocab[\"" + it.key() + "\"] is not an id in [0, " +
                    std::to_string(kMaxTokenId) + ")");
      spec_.vocab.emplace_back(it.key(), it.value().get<int32_t>());
    }

    const json &merges = field(model, "merges");
    if (!merges.is_array())
      return fail("model.merges is not an array");
    spec_.merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const json &merge = merges[rank];
      // Older files write "left right", newer ones ["left", "right"].
      if (merge.is_string()) {
        const std::string &both = merge.get_ref<const std::string &>();
        size_t space = both.find(' ');
        if (space == std::string::npos ||
            both.find(' ', space + 1) != std::string::npos)
          return fail("model.merges[" + std::to_string(rank) + "] \"" + both +
                      "\" is not two tokens separated by one space");
        spec_.merges.emplace_back(both.substr(0, space),
                                  both.substr(space + 1));
      } else if (merge.is_array() && merge.size() == 2 &&
                 merge[0].is_string() && merge[1].is_string()) {
        spec_.merges.emplace_back(merge[0].get<std::string>(),
                                  merge[1].get<std::string>());
      } else {
        return fail("model.merges[" + std::to_string(rank) +
                    "] is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
    spec_.byteFallback = flag(model, "byte_fallback", false);
    spec_.ignoreMerges = flag(model, "ignore_merges", false);
    spec_.fuseUnk = flag(model, "fuse_unk", false);
    spec_.unkToken = text(model, "unk_token");
    return Status::ok();
  }

  Status readAddedTokens(const json &added) {
    if (added.is_null())
      return Status::ok();
    if (!added.is_array())
      return fail("added_tokens is not an array");
    for (const json &token : added) {
      if (!isTokenId(field(token, "id")) ||
          !field(token, "content").is_string())
        return fail("an added_tokens entry lacks an id in [0, " +
                    std::to_string(kMaxTokenId) +
                    ") or a content string: " + token.dump());
      if (flag(token, "single_word", false))
        return unsupported("added token option",
                           "single_word (on " + text(token, "content") + ")");
      HfAddedToken t;
      t.id = token["id"].get<int32_t>();
      t.content = token["content"].get<std::string>();
      if (t.content.empty())
        return fail("added token " + std::to_string(t.id) +
                    " has empty content");
      t.special = flag(token, "special", false);
      t.lstrip = flag(token, "lstrip", false);
      t.rstrip = flag(token, "rstrip", false);
      spec_.addedTokens.push_back(std::move(t));
    }
    return Status::ok();
  }

  Status readNormalizer(const json &normalizer) {
    if (normalizer.is_null())
      return Status::ok();
    std::string type = typeOf(normalizer);
    if (type == "Sequence") {
      for (const json &step : field(normalizer, "normalizers"))
        LLMC_RETURN_IF_ERROR(readNormalizer(step));
      return Status::ok();
    }
    if (type == "Prepend") {
      spec_.normalizer.push_back(
          {HfNormalizerStep::Kind::Prepend, text(normalizer, "prepend"), ""});
      return Status::ok();
    }
    if (type == "Replace") {
      HfNormalizerStep step{HfNormalizerStep::Kind::Replace, "",
                            text(normalizer, "content")};
      LLMC_RETURN_IF_ERROR(readLiteral(field(normalizer, "pattern"),
                                       "normalizer Replace", step.text));
      if (step.text.empty())
        return fail("normalizer Replace has an empty pattern");
      spec_.normalizer.push_back(std::move(step));
      return Status::ok();
    }
    for (auto [name, form] : {std::pair{"NFC", UnicodeForm::NFC},
                              std::pair{"NFD", UnicodeForm::NFD},
                              std::pair{"NFKC", UnicodeForm::NFKC},
                              std::pair{"NFKD", UnicodeForm::NFKD}}) {
      if (type == name) {
        HfNormalizerStep step{HfNormalizerStep::Kind::Unicode, "", ""};
        step.form = form;
        spec_.normalizer.push_back(std::move(step));
        return Status::ok();
      }
    }
    return unsupported("normalizer", type);
  }

  Status readPreTokenizer(const json &pre) {
    if (pre.is_null())
      return Status::ok();
    std::string type = typeOf(pre);
    if (type == "Sequence") {
      for (const json &step : field(pre, "pretokenizers"))
        LLMC_RETURN_IF_ERROR(readPreTokenizer(step));
      return Status::ok();
    }
    HfPreTokenizerStep step;
    if (type == "Split") {
      std::string behavior = text(pre, "behavior");
      if (behavior != "Isolated")
        return unsupported("Split pre-tokenizer behavior", behavior);
      if (flag(pre, "invert", false))
        return unsupported("Split pre-tokenizer option", "invert");
      step.kind = HfPreTokenizerStep::Kind::Split;
      LLMC_RETURN_IF_ERROR(readPattern(
          field(pre, "pattern"), "Split pre-tokenizer", true, step.pattern));
    } else if (type == "ByteLevel") {
      step.kind = HfPreTokenizerStep::Kind::ByteLevel;
      step.addPrefixSpace = flag(pre, "add_prefix_space", false);
      if (flag(pre, "use_regex", true))
        step.pattern = kGpt2SplitRegex;
    } else if (type == "Metaspace") {
      step.kind = HfPreTokenizerStep::Kind::Metaspace;
      step.replacement = text(pre, "replacement");
      if (step.replacement.empty())
        return fail("Metaspace pre-tokenizer has no replacement");
      std::string scheme = text(pre, "prepend_scheme");
      if (scheme.empty()) // older files: add_prefix_space only
        scheme = flag(pre, "add_prefix_space", true) ? "always" : "never";
      if (scheme == "always")
        step.prepend = HfPreTokenizerStep::Prepend::Always;
      else if (scheme == "first")
        step.prepend = HfPreTokenizerStep::Prepend::First;
      else if (scheme == "never")
        step.prepend = HfPreTokenizerStep::Prepend::Never;
      else
        return unsupported("Metaspace prepend_scheme", scheme);
      step.splitOnReplacement = flag(pre, "split", true);
    } else {
      return unsupported("pre-tokenizer", type);
    }
    spec_.preTokenizer.push_back(std::move(step));
    return Status::ok();
  }

  /// Resolves a special token named in a template to its id.
  Status templateToken(const json &processor, const std::string &name,
                       std::vector<int32_t> &ids) {
    const json &entry = field(field(processor, "special_tokens"), name.c_str());
    const json &entryIds = field(entry, "ids");
    if (entryIds.is_array() && !entryIds.empty()) {
      for (const json &id : entryIds) {
        if (!isTokenId(id))
          return fail("post-processor template token '" + name +
                      "' has a bad id " + id.dump());
        ids.push_back(id.get<int32_t>());
      }
      return Status::ok();
    }
    for (const HfAddedToken &t : spec_.addedTokens)
      if (t.content == name) {
        ids.push_back(t.id);
        return Status::ok();
      }
    return fail("post-processor template names unknown special token '" + name +
                "'");
  }

  Status readPostProcessor(const json &post) {
    if (post.is_null())
      return Status::ok();
    std::string type = typeOf(post);
    if (type == "Sequence") {
      for (const json &step : field(post, "processors"))
        LLMC_RETURN_IF_ERROR(readPostProcessor(step));
      return Status::ok();
    }
    // ByteLevel post-processing only adjusts offsets, which llmc does not
    // report.
    if (type == "ByteLevel")
      return Status::ok();
    if (type != "TemplateProcessing")
      return unsupported("post-processor", type);

    const json &single = field(post, "single");
    if (!single.is_array())
      return fail("TemplateProcessing has no \"single\" template");
    spec_.hasTemplate = true;
    spec_.templatePrefix.clear();
    spec_.templateSuffix.clear();
    bool seenText = false;
    for (const json &item : single) {
      if (item.contains("Sequence")) {
        seenText = true;
        continue;
      }
      const json &special = field(item, "SpecialToken");
      if (!field(special, "id").is_string())
        return fail("unsupported TemplateProcessing item " + item.dump());
      LLMC_RETURN_IF_ERROR(templateToken(post, special["id"].get<std::string>(),
                                         seenText ? spec_.templateSuffix
                                                  : spec_.templatePrefix));
    }
    return Status::ok();
  }

  Status readDecoder(const json &decoder) {
    if (decoder.is_null())
      return Status::ok();
    std::string type = typeOf(decoder);
    if (type == "Sequence") {
      for (const json &step : field(decoder, "decoders"))
        LLMC_RETURN_IF_ERROR(readDecoder(step));
      return Status::ok();
    }
    if (type == "ByteLevel") {
      spec_.decodeByteLevel = true;
    } else if (type == "ByteFallback") {
      spec_.decodeByteFallback = true;
    } else if (type == "Fuse") {
      // Joining the pieces is what decoding token by token does anyway.
    } else if (type == "Replace") {
      std::string from;
      LLMC_RETURN_IF_ERROR(
          readLiteral(field(decoder, "pattern"), "decoder Replace", from));
      spec_.decodeReplacements.emplace_back(from, text(decoder, "content"));
    } else if (type == "Strip") {
      // Only the start can be stripped while streaming, and only one space
      // is ever added there (by Prepend or Metaspace).
      const json &start = field(decoder, "start");
      const json &stop = field(decoder, "stop");
      if (text(decoder, "content") != " " ||
          (start.is_number() && start.get<int>() > 1) ||
          (stop.is_number() && stop.get<int>() != 0))
        return unsupported("decoder", "Strip " + decoder.dump());
      spec_.stripLeadingSpace = start.is_number() && start.get<int>() == 1;
    } else if (type == "Metaspace") {
      std::string replacement = text(decoder, "replacement");
      if (replacement.empty())
        return fail("Metaspace decoder has no replacement");
      spec_.decodeReplacements.emplace_back(replacement, " ");
      std::string scheme = text(decoder, "prepend_scheme");
      spec_.stripLeadingSpace = scheme.empty()
                                    ? flag(decoder, "add_prefix_space", true)
                                    : scheme != "never";
    } else {
      return unsupported("decoder", type);
    }
    return Status::ok();
  }

  const std::string &path_;
  HfTokenizerSpec &spec_;
};

} // namespace

StatusOr<HfTokenizerSpec> parseHfTokenizerJson(std::string_view text,
                                               const std::string &path) {
  // nlohmann reports errors by exception; they stop here and come back as a
  // Status like every other error.
  // Bounded first: the Sequence readers below recurse once per level.
  LLMC_RETURN_IF_ERROR(checkJsonDepth(text, path));
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception &e) {
    return Status::error(path + ": malformed JSON: " + e.what());
  }
  HfTokenizerSpec spec;
  try {
    LLMC_RETURN_IF_ERROR(SpecReader(path, spec).read(root));
  } catch (const json::exception &e) {
    return Status::error(path +
                         ": unexpected tokenizer.json structure: " + e.what());
  }
  return spec;
}

} // namespace llmc
