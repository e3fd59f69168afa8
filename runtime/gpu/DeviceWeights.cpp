#include "runtime/gpu/DeviceWeights.h"

#include "runtime/reference/ThreadPool.h"

#include <algorithm>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::gpu {

namespace {

int64_t rowWidth(const PackedTensor &tensor) {
  int64_t width = 1;
  for (size_t d = 1; d < tensor.shape.size(); ++d)
    width *= tensor.shape[d];
  return width;
}

/// Copies weights.bin into `device` through a read-only mapping.
Status copyWeightsFile(const std::string &path, uint64_t expectedBytes,
                       cuda::DeviceBuffer &device) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return Status::error("cannot open " + path);
  struct stat info;
  if (::fstat(fd, &info) != 0 || uint64_t(info.st_size) != expectedBytes) {
    ::close(fd);
    return Status::error(path + " has " + std::to_string(info.st_size) +
                         " bytes but the weight layout needs " +
                         std::to_string(expectedBytes));
  }
  void *mapped = ::mmap(nullptr, expectedBytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED)
    return Status::error("cannot map " + path);
  // Pieces of 256 MiB keep the driver's pageable staging busy without pinning
  // the whole file.
  constexpr uint64_t kPiece = 256ull << 20;
  Status status = Status::ok();
  for (uint64_t offset = 0; offset < expectedBytes && status.isOk();
       offset += kPiece) {
    const uint64_t bytes = std::min(kPiece, expectedBytes - offset);
    status = device.copyFromHost(static_cast<const char *>(mapped) + offset,
                                 bytes, offset);
  }
  ::munmap(mapped, expectedBytes);
  return status;
}

} // namespace

StatusOr<std::vector<uint16_t>>
synthesizePackedTensor(const PackedTensor &tensor, unsigned threads) {
  const int64_t width = rowWidth(tensor);
  const int64_t rows = tensor.shape.empty() ? 0 : tensor.shape[0];
  std::vector<uint16_t> packed(size_t(rows * width));
  const int64_t numSources = int64_t(tensor.sources.size());
  ref::ThreadPool pool(threads);
  int64_t firstRow = 0; // stacked sources: where the current one starts
  for (int64_t i = 0; i < numSources; ++i) {
    const WeightSource &source = tensor.sources[size_t(i)];
    if (!source.isSynthetic)
      return Status::error("weight " + tensor.name + ": source " + source.name +
                           " is not synthetic");
    // Packed row of the source's row r: stacked, or interleaved (row r of
    // source i lands on row r * n + i).
    auto packedRow = [&](int64_t r) {
      return tensor.interleaveRows ? r * numSources + i : firstRow + r;
    };
    pool.parallelFor(source.rows, [&](int64_t begin, int64_t end) {
      std::vector<float> values(static_cast<size_t>(width));
      for (int64_t r = begin; r < end; ++r) {
        generateSynthetic(source.synthetic, r * width, width, values.data());
        uint16_t *out = packed.data() + packedRow(r) * width;
        for (int64_t c = 0; c < width; ++c)
          out[c] = floatToBf16(values[size_t(c)]);
      }
    });
    firstRow += source.rows;
  }
  return packed;
}

StatusOr<cuda::DeviceBuffer> loadDeviceWeights(const cuda::CudaDriver &driver,
                                               const EngineFiles &engine,
                                               unsigned threads) {
  const WeightLayout &layout = engine.manifest.weights;
  LLMC_ASSIGN_OR_RETURN(
      cuda::DeviceBuffer device,
      cuda::DeviceBuffer::allocate(driver, layout.totalBytes));
  if (!engine.manifest.weightsFile.empty()) {
    LLMC_RETURN_IF_ERROR(copyWeightsFile(
        engine.path(engine.manifest.weightsFile), layout.totalBytes, device));
    return device;
  }
  for (const PackedTensor &tensor : layout.tensors) {
    LLMC_ASSIGN_OR_RETURN(std::vector<uint16_t> values,
                          synthesizePackedTensor(tensor, threads));
    LLMC_RETURN_IF_ERROR(device.copyFromHost(
        values.data(), values.size() * sizeof(uint16_t), tensor.offset));
  }
  return device;
}

} // namespace llmc::gpu
