// Test helpers (see TokenizerTestSupport.h).
#include "TokenizerTestSupport.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace llmc::test {

std::string modelCacheDir() {
  if (const char *dir = std::getenv("LLMC_MODEL_CACHE"); dir && *dir)
    return dir;
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/llmc";
  return "";
}

std::string cachedFile(const std::string &relativePath) {
  std::string path = modelCacheDir() + "/" + relativePath;
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) ? path : "";
}

std::string inputPath(const std::string &name) {
  return std::string(LLMC_TOKENIZER_TEST_INPUTS) + "/" + name;
}

std::string writeScratchFile(const std::string &name,
                             const std::string &contents) {
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    std::string pattern =
        (fs::temp_directory_path() / "llmc-tokenizer-test-XXXXXX").string();
    const char *made = mkdtemp(pattern.data());
    return fs::path(made ? made : fs::temp_directory_path().string());
  }();
  fs::path path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path.string();
}

std::string encodeUtf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

std::string randomText(std::mt19937 &rng, size_t codePoints) {
  auto pick = [&](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  static const char *const kWords[] = {"the",   "Once",  "upon", "a",    "time",
                                       "don't", "we'll", "café", "naïve"};
  static const char kWhitespace[] = {' ', ' ', ' ', '\t', '\n', '\r'};
  std::string text;
  for (size_t n = 0; n < codePoints; ++n) {
    switch (pick(0, 9)) {
    case 0:
    case 1:
    case 2: // letters, so that BPE has words to merge
      text.push_back(
          static_cast<char>(pick(0, 1) ? pick('a', 'z') : pick('A', 'Z')));
      break;
    case 3:
      text += kWords[pick(0, std::size(kWords) - 1)];
      break;
    case 4: // whitespace runs of mixed kinds
      for (uint32_t k = pick(1, 4); k > 0; --k)
        text.push_back(kWhitespace[pick(0, std::size(kWhitespace) - 1)]);
      break;
    case 5: // printable ASCII: digits, punctuation
      text.push_back(static_cast<char>(pick(0x21, 0x7E)));
      break;
    case 6: // Latin-1 supplement and Latin Extended-A
      text += encodeUtf8(pick(0xA1, 0x17F));
      break;
    case 7: // Cyrillic
      text += encodeUtf8(pick(0x410, 0x44F));
      break;
    case 8: // CJK ideographs (many are not in a 32k vocabulary)
      text += encodeUtf8(pick(0x4E00, 0x9FFF));
      break;
    default: // emoji and other astral-plane symbols
      text += encodeUtf8(pick(0x1F300, 0x1FAFF));
      break;
    }
  }
  return text;
}

} // namespace llmc::test
