// Encoding and checked decoding of compile-cache entries.
#include "compiler/Nvrtc/CacheEntry.h"

#include "runtime/support/Sha256.h"

#include <cstring>

namespace llmc::nvrtc {
namespace {

constexpr char kMagic[8] = {'L', 'L', 'M', 'C', 'N', 'V', 'R', 'C'};
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 32;

void putInt(std::string &out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(char(value >> (8 * i)));
}

void putBytes(std::string &out, const void *data, std::size_t size) {
  putInt(out, size, 8);
  out.append(static_cast<const char *>(data), size);
}

void putString(std::string &out, const std::string &text) {
  putBytes(out, text.data(), text.size());
}

/// Reads the payload front to back; every read checks the remaining length.
class Reader {
public:
  Reader(const std::string &bytes, std::size_t offset)
      : bytes_(bytes), offset_(offset) {}

  bool readInt(std::uint64_t &value, int size) {
    if (bytes_.size() - offset_ < std::size_t(size))
      return false;
    value = 0;
    for (int i = 0; i < size; ++i)
      value |= std::uint64_t(std::uint8_t(bytes_[offset_ + i])) << (8 * i);
    offset_ += size;
    return true;
  }
  bool readInt32(int &value) {
    std::uint64_t wide = 0;
    if (!readInt(wide, 4))
      return false;
    value = int(std::int32_t(std::uint32_t(wide)));
    return true;
  }
  bool readString(std::string &text) {
    std::uint64_t size = 0;
    if (!readInt(size, 8) || bytes_.size() - offset_ < size)
      return false;
    text.assign(bytes_, offset_, size);
    offset_ += size;
    return true;
  }
  bool atEnd() const { return offset_ == bytes_.size(); }

private:
  const std::string &bytes_;
  std::size_t offset_;
};

std::string encodePayload(const CompileResult &result) {
  std::string out;
  putBytes(out, result.cubin.data(), result.cubin.size());
  putString(out, result.ptx);
  putString(out, result.log);
  putInt(out, result.kernels.size(), 8);
  for (const KernelResources &k : result.kernels) {
    putString(out, k.mangledName);
    putString(out, k.name);
    for (int value : {k.registers, k.barriers, k.stackFrameBytes,
                      k.spillStoreBytes, k.spillLoadBytes, k.sharedBytes})
      putInt(out, std::uint32_t(value), 4);
  }
  putInt(out, result.loweredNames.size(), 8);
  for (const auto &[expression, lowered] : result.loweredNames) {
    putString(out, expression);
    putString(out, lowered);
  }
  return out;
}

bool decodePayload(Reader &in, CompileResult &result) {
  std::string cubin;
  if (!in.readString(cubin) || !in.readString(result.ptx) ||
      !in.readString(result.log))
    return false;
  result.cubin.assign(cubin.begin(), cubin.end());
  std::uint64_t count = 0;
  if (!in.readInt(count, 8))
    return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    KernelResources k;
    if (!in.readString(k.mangledName) || !in.readString(k.name) ||
        !in.readInt32(k.registers) || !in.readInt32(k.barriers) ||
        !in.readInt32(k.stackFrameBytes) || !in.readInt32(k.spillStoreBytes) ||
        !in.readInt32(k.spillLoadBytes) || !in.readInt32(k.sharedBytes))
      return false;
    result.kernels.push_back(std::move(k));
  }
  if (!in.readInt(count, 8))
    return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string expression, lowered;
    if (!in.readString(expression) || !in.readString(lowered))
      return false;
    result.loweredNames[expression] = lowered;
  }
  return in.atEnd();
}

} // namespace

std::string encodeCacheEntry(const CompileResult &result) {
  std::string payload = encodePayload(result);
  Sha256::Digest checksum = Sha256::of(payload);
  std::string out(kMagic, sizeof(kMagic));
  putInt(out, kCacheEntryFormat, 4);
  putInt(out, payload.size(), 8);
  out.append(reinterpret_cast<const char *>(checksum.data()), checksum.size());
  return out + payload;
}

StatusOr<CompileResult> decodeCacheEntry(const std::string &bytes) {
  if (bytes.size() < kHeaderSize)
    return Status::error("truncated: " + std::to_string(bytes.size()) +
                         " bytes, shorter than the " +
                         std::to_string(kHeaderSize) + "-byte header");
  if (std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return Status::error("not a compile-cache entry (bad magic)");
  Reader header(bytes, sizeof(kMagic));
  std::uint64_t format = 0, payloadSize = 0;
  header.readInt(format, 4);
  header.readInt(payloadSize, 8);
  if (format != kCacheEntryFormat)
    return Status::error("entry format " + std::to_string(format) +
                         ", this build reads format " +
                         std::to_string(kCacheEntryFormat));
  if (bytes.size() - kHeaderSize != payloadSize)
    return Status::error("truncated or extended: the header promises " +
                         std::to_string(payloadSize) +
                         " payload bytes, the "
                         "file holds " +
                         std::to_string(bytes.size() - kHeaderSize));
  Sha256::Digest checksum = Sha256::of(
      std::string_view(bytes).substr(kHeaderSize, std::string::npos));
  if (std::memcmp(checksum.data(), bytes.data() + kHeaderSize - 32, 32) != 0)
    return Status::error("payload checksum mismatch (the entry is corrupt)");
  CompileResult result;
  Reader payload(bytes, kHeaderSize);
  if (!decodePayload(payload, result))
    return Status::error("malformed payload despite a matching checksum");
  return result;
}

} // namespace llmc::nvrtc
