// RegularFile: reading a whole metadata file (config.json, tokenizer.json,
// tokenizer.bin, manifest.json, a safetensors index) safely.
//
// A path a user or an engine names may be a FIFO, a device (/dev/zero) or a
// directory, any of which makes a plain ifstream read hang, read forever or
// read nothing. Every such read goes through readRegularFile, which follows
// symlinks but accepts only a regular file, and refuses one larger than a
// limit before reading it.
#pragma once

#include "runtime/Status.h"

#include <cstdint>
#include <string>

namespace llmc {

/// The default size limit of a metadata file: far above any real config or
/// tokenizer (Llama 3's tokenizer.json is 9 MiB), far below what would
/// exhaust memory.
constexpr uint64_t kMaxMetadataFileBytes = uint64_t(256) << 20;

/// Fails unless `path` (after symlinks) is a regular file; returns its size.
/// Messages name the path and what it is instead ("a character device").
StatusOr<uint64_t> regularFileSize(const std::string &path);

/// The bytes of the regular file `path`, at most `maxBytes` of them. The file
/// is opened without blocking (a FIFO never stalls the open) and checked on
/// the open descriptor, so a path swapped after the check is still refused.
StatusOr<std::string>
readRegularFile(const std::string &path,
                uint64_t maxBytes = kMaxMetadataFileBytes);

} // namespace llmc
