// EngineDirectory: the on-disk rules of an engine directory that are not the
// manifest's fields: which file holds the manifest, how the manifest itself
// is protected, and how a path the manifest names is opened.
//
// The manifest hashes every other file (file_hashes); manifest.sha256 hashes
// the manifest, in sha256sum's format, so an edit anywhere in the engine is
// caught before anything is loaded. Every path from a manifest is
// engine-relative (checkEngineRelativePath) and must name a regular file
// reached without symlinks, so an engine cannot make the runtime open
// /dev/zero, a FIFO or a file outside it.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace llmc {

constexpr const char *kManifestFileName = "manifest.json";
constexpr const char *kManifestDigestFileName = "manifest.sha256";

/// The text of manifest.sha256 for a manifest whose sha256 is `hexDigest`:
/// "<hex>  manifest.json\n", which `sha256sum -c` also reads.
std::string manifestDigestText(const std::string &hexDigest);

/// Checks the text of manifest.sha256 against the manifest's actual sha256.
/// `directory` names the engine in messages.
Status checkManifestDigest(std::string_view digestText,
                           const std::string &actualHexDigest,
                           const std::string &directory);

/// Parses and validates the text of a manifest.json: its nesting bounded
/// (JsonDepth.h) before nlohmann parses it, then manifestFromJson. `source`
/// names it in messages.
StatusOr<Manifest> parseManifestText(std::string_view text,
                                     const std::string &source);

/// The size of `relative` inside `directory` after checking that the path is
/// engine-relative, that every component is a real directory (no symlink)
/// and that the file is a regular file. `field` names the manifest field
/// the path came from.
StatusOr<uint64_t> engineFileSize(const std::string &directory,
                                  const std::string &relative,
                                  const std::string &field);

/// Checks every file `manifest` lists in `directory` with engineFileSize
/// before any is opened, and that the weights file has exactly
/// weights.total_bytes bytes.
Status checkEngineFiles(const std::string &directory, const Manifest &manifest);

} // namespace llmc
