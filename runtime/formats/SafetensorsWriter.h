// Writes a WeightStore as one safetensors file: used by tests to build
// checkpoints, and by tools that export weights.
#pragma once

#include "runtime/Status.h"
#include "runtime/model/WeightStore.h"

#include <map>
#include <string>

namespace llmc {

/// Writes every tensor of `store` (in name order, packed back to back, each in
/// its own dtype) to `path`, with `metadata` as the header's __metadata__ when
/// not empty. Synthetic tensors are materialized. The header is padded with
/// spaces to a multiple of 8 bytes so that the data section stays aligned.
Status
writeSafetensors(const std::string &path, const WeightStore &store,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace llmc
