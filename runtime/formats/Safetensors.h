// Reads safetensors checkpoints, single-file or sharded, into a WeightStore.
//
// Layout of a file: an 8-byte little-endian header length N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, optional __metadata__}),
// then the data section that the offsets index. The file is memory-mapped and
// every tensor views the mapping: nothing is copied. Every size and offset in
// the header is checked against the file before any tensor is added.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/WeightStore.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// The safetensors spelling of a dtype: "F32", "F16", "BF16", "F8_E4M3".
const char *safetensorsDtypeName(DType dtype);

/// Maps the safetensors file at `path` and adds all its tensors to `store`.
/// Supported dtypes are BF16, F16, F32 and F8_E4M3 (FP8 checkpoints' codes,
/// read as they are: their scales are separate tensors). Fails, adding nothing,
/// on a file too short for its header, malformed header JSON, duplicate tensor
/// names (in the file or already in `store`), an unsupported dtype, offsets
/// outside the data section, or offsets whose span differs from the size the
/// shape and dtype imply. Messages name the file and the tensor. Overlapping
/// data ranges of two tensors are refused too.
Status loadSafetensors(const std::string &path, WeightStore &store);

/// The tensors of a safetensors file already in `storage`, every check of
/// loadSafetensors applied; `path` names it in messages.
StatusOr<std::vector<WeightTensor>>
parseSafetensors(std::shared_ptr<Storage> storage, const std::string &path);

/// Loads a sharded checkpoint from its index (`model.safetensors.index.json`):
/// `weight_map` maps each tensor name to a shard file in the index's directory.
/// Every mapped tensor must be found in its shard; tensors of a shard that the
/// map does not list are ignored. A shard must be a bare file name (no
/// directories, no ".."). Fails, adding nothing, on any error.
Status loadSafetensorsIndex(const std::string &indexJsonPath,
                            WeightStore &store);

} // namespace llmc
