// JsonDepth: a bound on how deeply a JSON text nests, checked before it is
// parsed.
//
// Every JSON file llmc reads (config.json, tokenizer.json, a safetensors
// header, manifest.json) nests a handful of levels. A hostile file nesting
// 100,000 levels would overflow the stack of any recursive walk over it
// (a Sequence pre-tokenizer reader, a dump() in an error message), so it is
// refused up front by a linear scan that needs no stack at all.
#pragma once

#include "runtime/Status.h"

#include <string>
#include <string_view>

namespace llmc {

/// Far deeper than any real file (tokenizer.json: about 6), far shallower
/// than what a recursive walk could not survive.
constexpr int kMaxJsonDepth = 128;

/// Fails when arrays and objects in `text` nest deeper than `maxDepth`
/// (brackets inside strings do not count). `source` names the text. Says
/// nothing about whether the text is otherwise valid JSON.
Status checkJsonDepth(std::string_view text, const std::string &source,
                      int maxDepth = kMaxJsonDepth);

} // namespace llmc
