// Plans and writes the packed bf16 weight file of an engine.
#include "compiler/Driver/WeightPacker.h"

#include <cstdio>
#include <cstring>
#include <memory>

namespace llmc {

static uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Elements per row: product of all dims but the first (1 for a vector, whose
/// single "row" dimension is its length).
static int64_t rowWidth(const std::vector<int64_t> &shape) {
  int64_t width = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    width *= shape[i];
  return width;
}

StatusOr<WeightLayout>
planWeightLayout(const std::vector<WeightRecipe> &recipes,
                 const WeightStore &weights) {
  WeightLayout layout;
  uint64_t offset = 0;
  for (const WeightRecipe &recipe : recipes) {
    if (recipe.sources.empty())
      return Status::error("packed weight '" + recipe.name +
                           "' has no sources");
    PackedTensor packed;
    packed.name = recipe.name;
    packed.interleaveRows = recipe.interleaveRows;
    std::vector<int64_t> tail;
    int64_t rows = 0;
    for (const std::string &name : recipe.sources) {
      LLMC_ASSIGN_OR_RETURN(const WeightTensor *t, weights.get(name));
      if (t->dtype == DType::F8E4M3)
        return Status::error("packed weight '" + recipe.name + "': source '" +
                             name +
                             "' is f8e4m3: f8e4m3 weights need FP8 packing "
                             "with their scales, which the packer does not "
                             "do; it writes bf16 only");
      if (t->shape.empty() || t->shape.size() > 2)
        return Status::error("packed weight '" + recipe.name + "': source '" +
                             name + "' has shape " + shapeToString(t->shape) +
                             "; only vectors and matrices are packed");
      std::vector<int64_t> thisTail(t->shape.begin() + 1, t->shape.end());
      if (&name != &recipe.sources.front() && thisTail != tail)
        return Status::error("packed weight '" + recipe.name + "': source '" +
                             name + "' has shape " + shapeToString(t->shape) +
                             ", whose rows differ from the other sources'");
      tail = thisTail;
      WeightSource source;
      source.name = name;
      source.rows = t->shape[0];
      source.isSynthetic = t->isSynthetic;
      source.synthetic = t->synthetic;
      rows += source.rows;
      packed.sources.push_back(std::move(source));
    }
    packed.shape = {rows};
    packed.shape.insert(packed.shape.end(), tail.begin(), tail.end());
    packed.offset = offset;
    packed.bytes = uint64_t(rows * rowWidth(packed.shape)) * sizeof(uint16_t);
    offset = alignUp(offset + packed.bytes, WeightLayout::kAlignment);
    layout.tensors.push_back(std::move(packed));
  }
  layout.totalBytes = offset;
  LLMC_RETURN_IF_ERROR(layout.validate());
  return layout;
}

/// Converts row `row` of `t` (width elements) to bf16.
static void rowToBf16(const WeightTensor &t, int64_t row, int64_t width,
                      std::vector<float> &scratch, uint16_t *out) {
  const int64_t begin = row * width;
  if (t.isSynthetic) {
    scratch.resize(size_t(width));
    generateSynthetic(t.synthetic, begin, width, scratch.data());
    for (int64_t i = 0; i < width; ++i)
      out[i] = floatToBf16(scratch[i]);
    return;
  }
  const uint8_t *bytes = t.bytes() + size_t(begin) * dtypeSize(t.dtype);
  for (int64_t i = 0; i < width; ++i) {
    uint16_t half;
    switch (t.dtype) {
    case DType::BF16:
      std::memcpy(&out[i], bytes + 2 * i, 2);
      break;
    case DType::F16:
      std::memcpy(&half, bytes + 2 * i, 2);
      out[i] = floatToBf16(f16ToFloat(half));
      break;
    case DType::F32: {
      float value;
      std::memcpy(&value, bytes + 4 * i, 4);
      out[i] = floatToBf16(value);
      break;
    }
    case DType::F8E4M3:
      // planWeightLayout refuses f8e4m3 sources; should one get here, NaN
      // makes the mistake loud instead of packing codes as plausible values.
      out[i] = 0x7fc0;
      break;
    }
  }
}

Status writePackedWeights(const std::string &path, const WeightLayout &layout,
                          const WeightStore &weights) {
  std::unique_ptr<FILE, int (*)(FILE *)> file(std::fopen(path.c_str(), "wb"),
                                              &std::fclose);
  if (!file)
    return Status::error("cannot write " + path + ": " + std::strerror(errno));
  std::vector<uint16_t> row;
  std::vector<float> scratch;
  uint64_t written = 0;
  auto put = [&](const void *data, size_t bytes) {
    written += bytes;
    return std::fwrite(data, 1, bytes, file.get()) == bytes;
  };
  const std::vector<uint8_t> zeros(WeightLayout::kAlignment, 0);
  for (const PackedTensor &packed : layout.tensors) {
    if (!put(zeros.data(), size_t(packed.offset - written)))
      return Status::error("writing " + path + " failed");
    const int64_t width = rowWidth(packed.shape);
    const size_t numSources = packed.sources.size();
    row.resize(size_t(width));
    std::vector<const WeightTensor *> sources;
    for (const WeightSource &s : packed.sources) {
      LLMC_ASSIGN_OR_RETURN(const WeightTensor *t, weights.get(s.name));
      sources.push_back(t);
    }
    for (int64_t r = 0, source = 0, sourceRow = 0; r < packed.shape[0]; ++r) {
      if (packed.interleaveRows) {
        source = r % int64_t(numSources);
        sourceRow = r / int64_t(numSources);
      } else if (sourceRow == packed.sources[size_t(source)].rows) {
        ++source;
        sourceRow = 0;
      }
      rowToBf16(*sources[size_t(source)], sourceRow, width, scratch,
                row.data());
      if (!put(row.data(), row.size() * sizeof(uint16_t)))
        return Status::error("writing " + path + " failed");
      if (!packed.interleaveRows)
        ++sourceRow;
    }
  }
  if (!put(zeros.data(), size_t(layout.totalBytes - written)) ||
      std::fflush(file.get()) != 0)
    return Status::error("writing " + path + " failed");
  return Status::ok();
}

} // namespace llmc
