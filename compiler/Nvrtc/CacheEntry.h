// The on-disk form of one compile-cache entry: a CompileResult behind a header
// that carries a magic, the payload's length and its SHA-256, so a truncated or
// corrupted file is recognised instead of handing a broken cubin to the driver.
//
// Layout (integers little-endian):
//   "LLMCNVRC"  8 bytes magic
//   u32         format version (kCacheEntryFormat)
//   u64         payload length
//   32 bytes    SHA-256 of the payload
//   payload     cubin, ptx, log, kernels, lowered names; each string or byte
//               array as u64 length + bytes, each count as u64
#pragma once

#include "compiler/Nvrtc/Nvrtc.h"
#include "runtime/Status.h"

#include <string>

namespace llmc::nvrtc {

/// Bumped whenever the payload layout changes; older entries then read as
/// unusable and are recompiled.
constexpr std::uint32_t kCacheEntryFormat = 1;

/// Serializes `result` with its header.
std::string encodeCacheEntry(const CompileResult &result);

/// Parses an entry; any inconsistency (short file, wrong magic or format,
/// checksum mismatch, malformed payload) is an error describing it.
StatusOr<CompileResult> decodeCacheEntry(const std::string &bytes);

} // namespace llmc::nvrtc
