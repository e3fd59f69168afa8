// WeightStore and its storage: memory maps, owned buffers, bf16/f16 conversion
// and the seeded synthetic values used for weight-less (performance) models.
//
// Everything here assumes a little-endian host, as do the safetensors and
// llama2.c formats the stores are filled from.
#include "runtime/model/WeightStore.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::F8E4M3:
    return "f8e4m3";
  }
  return "?";
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F8E4M3:
    return 1;
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// Half-precision conversions
//===----------------------------------------------------------------------===//

namespace {

uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

} // namespace

float bf16ToFloat(uint16_t bits) { return bitsToFloat(uint32_t(bits) << 16); }

uint16_t floatToBf16(float value) {
  uint32_t bits = floatBits(value);
  // Rounding a NaN could carry it into the infinity encoding; keep it a quiet
  // NaN with its sign instead.
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x0040u);
  // Round to nearest, ties to even: add just under half an ulp, plus one more
  // when the kept part is odd. Overflow carries into the exponent, which is the
  // correct rounding up to the next binade (or to infinity).
  uint32_t lsb = (bits >> 16) & 1u;
  return uint16_t((bits + 0x7fffu + lsb) >> 16);
}

float f16ToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) // infinity or NaN (payload kept)
    return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = std::ldexp(float(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return bitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

uint16_t floatToF16(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {
    if (magnitude == 0x7f800000u)
      return sign | 0x7c00u;
    // NaN: keep the top payload bits and force the quiet bit so the result
    // cannot collapse into infinity.
    return sign | 0x7e00u | uint16_t((magnitude >> 13) & 0x3ffu);
  }
  // 65520 is halfway between the largest f16 (65504) and 2^16; ties go to the
  // even neighbour, 2^16, which is infinity.
  if (magnitude >= 0x477ff000u)
    return sign | 0x7c00u;
  int32_t exponent = int32_t(magnitude >> 23) - 127;
  uint32_t mantissa = magnitude & 0x7fffffu;
  if (exponent >= -14) {
    // Normal f16: drop 13 mantissa bits with round-to-nearest-even; a carry out
    // of the mantissa correctly bumps the exponent.
    uint32_t half = (uint32_t(exponent + 15) << 10) | (mantissa >> 13);
    uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
      ++half;
    return sign | uint16_t(half);
  }
  // Below 2^-25 (half the smallest subnormal) everything rounds to zero;
  // float subnormals land here too.
  if (exponent < -25)
    return sign;
  // f16 subnormal: value = significand * 2^(exponent - 23), expressed in units
  // of 2^-24, i.e. significand >> (-exponent - 1) with rounding.
  uint32_t significand = mantissa | 0x800000u;
  uint32_t shift = uint32_t(-exponent - 1); // 14 .. 24
  uint32_t quotient = significand >> shift;
  uint32_t rest = significand & ((1u << shift) - 1u);
  uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (quotient & 1u)))
    ++quotient; // may become 0x400, the smallest normal: still correct
  return sign | uint16_t(quotient);
}

//===----------------------------------------------------------------------===//
// Storage
//===----------------------------------------------------------------------===//

namespace {

/// A read-only private mapping of a whole file, unmapped on destruction.
class MappedFile final : public Storage {
public:
  MappedFile(void *base, size_t size) : base_(base), size_(size) {}
  ~MappedFile() override {
    if (base_)
      ::munmap(base_, size_);
  }
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const uint8_t *data() const override {
    return static_cast<const uint8_t *>(base_);
  }
  size_t size() const override { return size_; }

private:
  void *base_; // null for an empty file, which mmap cannot map
  size_t size_;
};

class OwnedBytes final : public Storage {
public:
  explicit OwnedBytes(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const uint8_t *data() const override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

private:
  std::vector<uint8_t> bytes_;
};

/// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

StatusOr<std::shared_ptr<Storage>> mapFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  FdCloser closer{fd};
  struct stat info;
  if (::fstat(fd, &info) != 0)
    return Status::error(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(info.st_mode))
    return Status::error(path + ": not a regular file");
  size_t size = size_t(info.st_size);
  if (size == 0)
    return std::shared_ptr<Storage>(std::make_shared<MappedFile>(nullptr, 0));
  void *base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED)
    return Status::error(path + ": cannot memory-map " + std::to_string(size) +
                         " bytes: " + std::strerror(errno));
  // The mapping stays valid after the descriptor is closed.
  return std::shared_ptr<Storage>(std::make_shared<MappedFile>(base, size));
}

std::shared_ptr<Storage> ownBytes(std::vector<uint8_t> bytes) {
  return std::make_shared<OwnedBytes>(std::move(bytes));
}

//===----------------------------------------------------------------------===//
// Synthetic values
//===----------------------------------------------------------------------===//

namespace {

/// splitmix64's output function: a bijective 64-bit mixer.
uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

} // namespace

void generateSynthetic(const SyntheticSpec &spec, int64_t begin, int64_t count,
                       float *out) {
  if (spec.kind == SyntheticSpec::Kind::Constant) {
    for (int64_t k = 0; k < count; ++k)
      out[k] = spec.constant;
    return;
  }
  // Element i is splitmix64's i-th output for a state seeded by mix64(seed):
  // a counter-based generator, so slices need no shared state.
  const uint64_t key = mix64(spec.seed);
  // sqrt(3) / 65536: scales the centred sum of four 16-bit uniforms to unit
  // variance.
  const float scale = float(1.7320508075688772 / 65536.0);
  for (int64_t k = 0; k < count; ++k) {
    uint64_t h = mix64(key + uint64_t(begin + k) * 0x9e3779b97f4a7c15ull);
    int32_t sum = int32_t(h & 0xffff) + int32_t((h >> 16) & 0xffff) +
                  int32_t((h >> 32) & 0xffff) + int32_t(h >> 48);
    float z = float(sum - 131070) * scale;
    out[k] = spec.mean + spec.stddev * z;
  }
}

//===----------------------------------------------------------------------===//
// WeightTensor / WeightStore
//===----------------------------------------------------------------------===//

int64_t WeightTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

const uint8_t *WeightTensor::bytes() const {
  if (isSynthetic || !storage)
    return nullptr;
  return storage->data() + offset;
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Status WeightStore::add(WeightTensor tensor) {
  for (int64_t d : tensor.shape)
    if (d < 0)
      return Status::error("tensor '" + tensor.name + "' has negative shape " +
                           shapeToString(tensor.shape));
  if (!tensor.isSynthetic) {
    if (!tensor.storage)
      return Status::error("tensor '" + tensor.name +
                           "' has neither storage nor a synthetic spec");
    size_t size = tensor.storage->size();
    if (tensor.offset > size || tensor.byteSize() > size - tensor.offset)
      return Status::error(
          "tensor '" + tensor.name + "' (" + dtypeName(tensor.dtype) + " " +
          shapeToString(tensor.shape) + ", " +
          std::to_string(tensor.byteSize()) + " bytes at offset " +
          std::to_string(tensor.offset) + ") does not fit in its " +
          std::to_string(size) + "-byte storage");
  } else if (tensor.dtype == DType::F8E4M3) {
    return Status::error("synthetic tensor '" + tensor.name +
                         "' cannot be f8e4m3: FP8 codes have no value "
                         "without a scale (make synthetic weights bf16)");
  }
  std::string name = tensor.name;
  if (!tensors_.emplace(name, std::move(tensor)).second)
    return Status::error("duplicate tensor '" + name + "'");
  return Status::ok();
}

const WeightTensor *WeightStore::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

StatusOr<const WeightTensor *> WeightStore::get(const std::string &name) const {
  if (const WeightTensor *t = find(name))
    return t;
  return Status::error("no tensor named '" + name + "'");
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto &entry : tensors_)
    result.push_back(entry.first);
  return result;
}

size_t WeightStore::totalBytes() const {
  size_t total = 0;
  for (const auto &entry : tensors_)
    total += entry.second.byteSize();
  return total;
}

StatusOr<std::vector<float>>
WeightStore::toFloat(const std::string &name) const {
  LLMC_ASSIGN_OR_RETURN(const WeightTensor *t, get(name));
  if (t->dtype == DType::F8E4M3)
    return Status::error("tensor '" + name +
                         "' is f8e4m3: its values need the scales of its FP8 "
                         "checkpoint (dequantize it with the FP8 checkpoint "
                         "reader, not as plain floats)");
  size_t n = size_t(t->numElements());
  std::vector<float> out(n);
  if (t->isSynthetic) {
    generateSynthetic(t->synthetic, 0, int64_t(n), out.data());
    // The tensor stands for values of its dtype: round through it.
    if (t->dtype == DType::BF16)
      for (float &v : out)
        v = bf16ToFloat(floatToBf16(v));
    else if (t->dtype == DType::F16)
      for (float &v : out)
        v = f16ToFloat(floatToF16(v));
    return out;
  }
  const uint8_t *src = t->bytes();
  // memcpy per element: the source may be unaligned.
  switch (t->dtype) {
  case DType::F32:
    if (n)
      std::memcpy(out.data(), src, n * sizeof(float));
    break;
  case DType::BF16:
  case DType::F16:
    for (size_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, src + 2 * i, sizeof(bits));
      out[i] = t->dtype == DType::BF16 ? bf16ToFloat(bits) : f16ToFloat(bits);
    }
    break;
  case DType::F8E4M3: // refused above
    break;
  }
  return out;
}

} // namespace llmc
