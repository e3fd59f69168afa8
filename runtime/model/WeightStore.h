// WeightStore: the named weight tensors of one model, whatever file they came
// from.
//
// Tensors are addressed by canonical Hugging Face names (see WeightNames.h);
// the llama2.c importer renames into them. Storage is either a read-only memory
// map of the source file (safetensors, llama2.c), an owned buffer, or a seeded
// synthetic specification that materializes values only when someone asks for
// them, so a Llama-2-7B-shaped store costs nothing until used.
#pragma once

#include "runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// Element types of stored tensors. F8E4M3 holds FP8 codes (Float8.h) that
/// mean nothing without their checkpoint's scales: see WeightStore::toFloat.
enum class DType { F32, F16, BF16, F8E4M3 };

/// "f32", "f16", "bf16", "f8e4m3".
const char *dtypeName(DType dtype);
size_t dtypeSize(DType dtype);
/// "[4096, 11008]", for messages.
std::string shapeToString(const std::vector<int64_t> &shape);

/// Converts one bf16 / f16 value (raw bits) to float.
float bf16ToFloat(uint16_t bits);
float f16ToFloat(uint16_t bits);
/// Round-to-nearest-even float -> bf16 bits; NaN stays a (quiet) NaN.
uint16_t floatToBf16(float value);
/// Round-to-nearest-even float -> IEEE binary16 bits: values past the f16 range
/// become infinity, tiny values become f16 subnormals or zero, NaN stays NaN.
uint16_t floatToF16(float value);

/// Bytes kept alive for as long as any tensor views them (a mapping or a
/// buffer).
class Storage {
public:
  virtual ~Storage() = default;
  virtual const uint8_t *data() const = 0;
  virtual size_t size() const = 0;
};

/// Maps `path` read-only. Fails with a message naming the file.
StatusOr<std::shared_ptr<Storage>> mapFile(const std::string &path);
/// Wraps an owned byte vector.
std::shared_ptr<Storage> ownBytes(std::vector<uint8_t> bytes);

/// How a synthetic tensor is filled: approximately N(mean, stddev) from a seed
/// (generateSynthetic gives the exact distribution), or a constant.
struct SyntheticSpec {
  enum class Kind { Normal, Constant };
  Kind kind = Kind::Normal;
  uint64_t seed = 0;
  float mean = 0.0f;
  float stddev = 0.02f;
  float constant = 1.0f;
};

/// One named tensor: shape, element type and where its bytes are.
struct WeightTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// Real tensors: bytes [offset, offset + byteSize()) of `storage`.
  std::shared_ptr<Storage> storage;
  size_t offset = 0;
  /// Synthetic tensors have no storage; values come from `synthetic`, rounded
  /// to `dtype` (a bf16 synthetic tensor reads as bf16(generateSynthetic())).
  bool isSynthetic = false;
  SyntheticSpec synthetic;

  int64_t numElements() const;
  size_t byteSize() const { return size_t(numElements()) * dtypeSize(dtype); }
  /// Raw little-endian bytes of a real tensor (nullptr for a synthetic one);
  /// not necessarily aligned to the element size (safetensors need not be).
  const uint8_t *bytes() const;
};

class WeightStore {
public:
  /// Adds a tensor; fails if the name already exists, a real tensor has no
  /// storage or does not fit inside it, a dimension is negative, or a
  /// synthetic tensor is f8e4m3 (synthetic values stand for values of their
  /// dtype, and FP8 codes have no value without a scale).
  Status add(WeightTensor tensor);
  /// nullptr when absent.
  const WeightTensor *find(const std::string &name) const;
  /// Like find, but an error naming the tensor when absent.
  StatusOr<const WeightTensor *> get(const std::string &name) const;
  /// All names in sorted order.
  std::vector<std::string> names() const;
  size_t size() const { return tensors_.size(); }
  /// Sum of byteSize() over all tensors.
  size_t totalBytes() const;

  /// The tensor's values as fp32 (converting bf16/f16, generating synthetic
  /// values). Fails for an f8e4m3 tensor: its codes mean code * scale, and the
  /// scale is another tensor the checkpoint's quantization_config names, so
  /// only the FP8 checkpoint reader (runtime/formats/Fp8Checkpoint.h) can turn
  /// it into floats; reading the bare codes would silently give wrong weights.
  StatusOr<std::vector<float>> toFloat(const std::string &name) const;

private:
  std::map<std::string, WeightTensor> tensors_;
};

/// Deterministic values of a synthetic tensor: element i depends only on
/// (spec.seed, i), so any slice can be generated independently and in parallel.
/// Writes out[k] = value of element begin + k for k in [0, count).
///
/// Normal: element i takes h = mix(mix(seed) + i * 0x9e3779b97f4a7c15), where
/// mix is splitmix64's output function (h is splitmix64's i-th output), reads h
/// as four 16-bit uniforms a0..a3 (low to high) and sums them (Irwin-Hall):
///   z = float(a0 + a1 + a2 + a3 - 131070) * float(sqrt(3) / 65536)
///   value = mean + stddev * z      (float, multiply and add not fused)
/// z has mean 0 and variance 1 (to 1e-9), a bell shape close to a Gaussian, and
/// is bounded by +-2*sqrt(3) standard deviations. Integer arithmetic and three
/// float operations let every platform (a GPU included) reproduce the values
/// bit for bit.
/// Constant: every element is spec.constant.
void generateSynthetic(const SyntheticSpec &spec, int64_t begin, int64_t count,
                       float *out);

} // namespace llmc
