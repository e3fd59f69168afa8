// Implementation of writeSafetensors.
#include "runtime/formats/SafetensorsWriter.h"

#include "runtime/formats/Safetensors.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace llmc {

namespace {

/// The little-endian bytes of a synthetic tensor in its own dtype.
StatusOr<std::vector<uint8_t>> materialize(const WeightStore &store,
                                           const WeightTensor &tensor) {
  LLMC_ASSIGN_OR_RETURN(std::vector<float> values, store.toFloat(tensor.name));
  std::vector<uint8_t> bytes(tensor.byteSize());
  for (size_t i = 0; i < values.size(); ++i) {
    if (tensor.dtype == DType::F32) {
      std::memcpy(bytes.data() + 4 * i, &values[i], 4);
      continue;
    }
    uint16_t bits = tensor.dtype == DType::BF16 ? floatToBf16(values[i])
                                                : floatToF16(values[i]);
    std::memcpy(bytes.data() + 2 * i, &bits, 2);
  }
  return bytes;
}

} // namespace

Status writeSafetensors(const std::string &path, const WeightStore &store,
                        const std::map<std::string, std::string> &metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  const std::vector<std::string> names = store.names();
  for (const std::string &name : names) {
    const WeightTensor &t = *store.find(name);
    header[name] = {{"dtype", safetensorsDtypeName(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.byteSize()}}};
    offset += t.byteSize();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::error(path + ": cannot create: " + std::strerror(errno));
  uint8_t length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
  out.write(reinterpret_cast<const char *>(length), 8);
  out.write(text.data(), std::streamsize(text.size()));
  for (const std::string &name : names) {
    const WeightTensor &t = *store.find(name);
    if (t.isSynthetic) {
      LLMC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, materialize(store, t));
      out.write(reinterpret_cast<const char *>(bytes.data()),
                std::streamsize(bytes.size()));
    } else {
      out.write(reinterpret_cast<const char *>(t.bytes()),
                std::streamsize(t.byteSize()));
    }
  }
  out.close();
  if (!out)
    return Status::error(path + ": write failed: " + std::strerror(errno));
  return Status::ok();
}

} // namespace llmc
