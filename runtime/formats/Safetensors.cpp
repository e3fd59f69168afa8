// Implementation of the safetensors readers: header validation and zero-copy
// tensors over a memory map.
#include "runtime/formats/Safetensors.h"

#include "runtime/files/JsonDepth.h"
#include "runtime/files/JsonFile.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <vector>

namespace llmc {

using nlohmann::json;

const char *safetensorsDtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::F8E4M3:
    return "F8_E4M3";
  }
  return "?";
}

namespace {

constexpr size_t kLengthBytes = 8;

/// Parses the header JSON, reporting a repeated top-level key (nlohmann would
/// silently keep the last one).
StatusOr<json> parseHeader(const std::string &text, const std::string &path) {
  std::set<std::string> seen;
  std::string duplicate;
  auto noteKeys = [&](int depth, json::parse_event_t event, json &parsed) {
    if (event == json::parse_event_t::key && depth == 1 &&
        !seen.insert(parsed.get<std::string>()).second && duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  LLMC_RETURN_IF_ERROR(checkJsonDepth(text, path + ": header"));
  json header;
  try {
    header = json::parse(text, noteKeys);
  } catch (const json::parse_error &e) {
    return Status::error(path + ": malformed JSON header at header byte " +
                         std::to_string(e.byte) + " (file offset " +
                         std::to_string(e.byte + kLengthBytes) +
                         "): " + e.what());
  } catch (const json::exception &e) {
    return Status::error(path + ": cannot parse JSON header: " + e.what());
  }
  if (!duplicate.empty())
    return Status::error(path + ": tensor '" + duplicate +
                         "' appears more than once in the header");
  if (!header.is_object())
    return Status::error(path + ": header must be a JSON object, got " +
                         describeJsonType(header));
  return header;
}

/// A non-negative JSON integer, or nothing.
bool readCount(const json &value, uint64_t &out) {
  if (!value.is_number_unsigned() &&
      !(value.is_number_integer() && value.get<int64_t>() >= 0))
    return false;
  out = value.get<uint64_t>();
  return true;
}

/// Builds the tensor described by one header entry, checking it against a data
/// section of `dataSize` bytes that starts at file offset `dataStart`.
StatusOr<WeightTensor> readEntry(const std::string &path,
                                 const std::string &name, const json &entry,
                                 const std::shared_ptr<Storage> &storage,
                                 size_t dataStart, uint64_t dataSize) {
  auto fail = [&](const std::string &problem) {
    return Status::error(path + ": tensor '" + name + "': " + problem);
  };
  if (!entry.is_object())
    return fail("header entry must be an object, got " +
                describeJsonType(entry));
  auto dtypeIt = entry.find("dtype");
  if (dtypeIt == entry.end() || !dtypeIt->is_string())
    return fail("missing string field 'dtype'");
  WeightTensor tensor;
  tensor.name = name;
  const std::string dtype = dtypeIt->get<std::string>();
  bool known = false;
  for (DType candidate : {DType::F32, DType::F16, DType::BF16, DType::F8E4M3})
    if (dtype == safetensorsDtypeName(candidate)) {
      tensor.dtype = candidate;
      known = true;
    }
  if (!known)
    return fail("dtype '" + dtype +
                "' is not supported (supported: BF16, F16, F32, F8_E4M3)");

  auto shapeIt = entry.find("shape");
  if (shapeIt == entry.end() || !shapeIt->is_array())
    return fail("missing array field 'shape'");
  // Element count with overflow checking; anything past the data section
  // cannot be right anyway.
  uint64_t numElements = 1;
  bool overflow = false;
  for (const json &dim : *shapeIt) {
    uint64_t d;
    if (!readCount(dim, d) || d > uint64_t(std::numeric_limits<int64_t>::max()))
      return fail("shape " + shapeIt->dump() +
                  " must hold non-negative integers");
    tensor.shape.push_back(int64_t(d));
    if (d != 0 && numElements > std::numeric_limits<uint64_t>::max() / d)
      overflow = true;
    else
      numElements *= d;
  }

  auto offsetsIt = entry.find("data_offsets");
  uint64_t begin, end;
  if (offsetsIt == entry.end() || !offsetsIt->is_array() ||
      offsetsIt->size() != 2 || !readCount((*offsetsIt)[0], begin) ||
      !readCount((*offsetsIt)[1], end))
    return fail("'data_offsets' must be two non-negative integers [begin, "
                "end]");
  if (begin > end || end > dataSize)
    return fail("data_offsets [" + std::to_string(begin) + ", " +
                std::to_string(end) + "] lie outside the data section of " +
                std::to_string(dataSize) + " bytes");
  uint64_t elementSize = dtypeSize(tensor.dtype);
  if (overflow ||
      numElements > std::numeric_limits<uint64_t>::max() / elementSize ||
      end - begin != numElements * elementSize)
    return fail("header lies about its size: data_offsets [" +
                std::to_string(begin) + ", " + std::to_string(end) + "] span " +
                std::to_string(end - begin) + " bytes, but " + dtype + " " +
                shapeToString(tensor.shape) + " needs " +
                (overflow ? std::string("more than 2^64")
                          : std::to_string(numElements * elementSize)) +
                " bytes");
  tensor.storage = storage;
  tensor.offset = dataStart + size_t(begin);
  return tensor;
}

/// Fails when two tensors' data ranges overlap: each tensor owns its bytes,
/// and a file whose tensors alias one another is corrupt or crafted.
Status checkDisjoint(const std::vector<WeightTensor> &tensors,
                     const std::string &path) {
  std::vector<const WeightTensor *> byOffset;
  for (const WeightTensor &t : tensors)
    if (t.byteSize() > 0)
      byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const WeightTensor *a, const WeightTensor *b) {
              return a->offset < b->offset;
            });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const WeightTensor &before = *byOffset[i - 1], &after = *byOffset[i];
    if (before.offset + before.byteSize() > after.offset)
      return Status::error(path + ": the data of tensors '" + before.name +
                           "' and '" + after.name +
                           "' overlap (data_offsets must not share bytes)");
  }
  return Status::ok();
}

/// Reads every tensor of one file without touching any store.
StatusOr<std::vector<WeightTensor>> readSafetensors(const std::string &path) {
  LLMC_ASSIGN_OR_RETURN(std::shared_ptr<Storage> storage, mapFile(path));
  return parseSafetensors(std::move(storage), path);
}

} // namespace

StatusOr<std::vector<WeightTensor>>
parseSafetensors(std::shared_ptr<Storage> storage, const std::string &path) {
  const size_t fileSize = storage->size();
  if (fileSize < kLengthBytes)
    return Status::error(path + ": file is " + std::to_string(fileSize) +
                         " bytes, too short for the 8-byte header length of "
                         "a safetensors file");
  uint64_t headerLength = 0;
  for (size_t i = 0; i < kLengthBytes; ++i)
    headerLength |= uint64_t(storage->data()[i]) << (8 * i);
  if (headerLength > fileSize - kLengthBytes)
    return Status::error(path + ": header length " +
                         std::to_string(headerLength) + " exceeds the " +
                         std::to_string(fileSize - kLengthBytes) +
                         " bytes that follow it (file is " +
                         std::to_string(fileSize) + " bytes; truncated?)");
  std::string text(reinterpret_cast<const char *>(storage->data()) +
                       kLengthBytes,
                   size_t(headerLength));
  LLMC_ASSIGN_OR_RETURN(json header, parseHeader(text, path));

  const size_t dataStart = kLengthBytes + size_t(headerLength);
  const uint64_t dataSize = fileSize - dataStart;
  std::vector<WeightTensor> tensors;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__")
      continue;
    LLMC_ASSIGN_OR_RETURN(
        WeightTensor tensor,
        readEntry(path, it.key(), it.value(), storage, dataStart, dataSize));
    tensors.push_back(std::move(tensor));
  }
  LLMC_RETURN_IF_ERROR(checkDisjoint(tensors, path));
  return tensors;
}

namespace {

/// Adds `tensors` to `store` only if none of their names is taken.
Status addAll(std::vector<WeightTensor> tensors, WeightStore &store,
              const std::string &path) {
  for (const WeightTensor &t : tensors)
    if (store.find(t.name))
      return Status::error(path + ": tensor '" + t.name +
                           "' is already loaded (from another file)");
  for (WeightTensor &t : tensors)
    LLMC_RETURN_IF_ERROR(store.add(std::move(t)).withContext(path));
  return Status::ok();
}

} // namespace

Status loadSafetensors(const std::string &path, WeightStore &store) {
  LLMC_ASSIGN_OR_RETURN(std::vector<WeightTensor> tensors,
                        readSafetensors(path));
  return addAll(std::move(tensors), store, path);
}

Status loadSafetensorsIndex(const std::string &indexJsonPath,
                            WeightStore &store) {
  LLMC_ASSIGN_OR_RETURN(json index, readJsonFile(indexJsonPath));
  auto mapIt = index.is_object() ? index.find("weight_map") : index.end();
  if (mapIt == index.end() || !mapIt->is_object())
    return Status::error(indexJsonPath +
                         ": field 'weight_map' is missing or not an object");
  // shard file -> tensor names it must provide
  std::map<std::string, std::vector<std::string>> byShard;
  for (auto it = mapIt->begin(); it != mapIt->end(); ++it) {
    if (!it.value().is_string())
      return Status::error(indexJsonPath + ": field 'weight_map." + it.key() +
                           "' must be a shard file name, got " +
                           describeJsonType(it.value()));
    const std::string shard = it.value().get<std::string>();
    // A shard lies in the index's own directory: a bare file name.
    if (shard.empty() || shard == "." || shard == ".." ||
        shard.find('/') != std::string::npos)
      return Status::error(indexJsonPath + ": field 'weight_map." + it.key() +
                           "' names shard '" + shard +
                           "', which is not a file name in the index's "
                           "directory");
    byShard[shard].push_back(it.key());
  }
  if (byShard.empty())
    return Status::error(indexJsonPath + ": 'weight_map' lists no tensors");

  const std::filesystem::path dir =
      std::filesystem::path(indexJsonPath).parent_path();
  std::vector<WeightTensor> selected;
  for (const auto &[shard, names] : byShard) {
    const std::string shardPath = (dir / shard).string();
    auto tensors = readSafetensors(shardPath);
    if (!tensors)
      return tensors.status().withContext(indexJsonPath + ": shard '" + shard +
                                          "'");
    std::map<std::string, WeightTensor *> byName;
    for (WeightTensor &t : *tensors)
      byName[t.name] = &t;
    for (const std::string &name : names) {
      auto found = byName.find(name);
      if (found == byName.end())
        return Status::error(indexJsonPath + ": tensor '" + name +
                             "' is mapped to shard '" + shard +
                             "', which does not contain it");
      selected.push_back(std::move(*found->second));
    }
  }
  return addAll(std::move(selected), store, indexJsonPath);
}

} // namespace llmc
