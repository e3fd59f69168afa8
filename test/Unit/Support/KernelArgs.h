// Builders of a launch's argument bindings, for tests that write launch
// sequences and manifests by hand.
#pragma once

#include "runtime/engine/Manifest.h"

#include <cstdint>
#include <string>

namespace llmc::testing {

/// `bytes` bytes at `offset` of the phase's arena.
inline KernelArg arenaArg(uint64_t offset, uint64_t bytes) {
  KernelArg a;
  a.kind = ArgKind::Arena;
  a.offset = offset;
  a.bytes = bytes;
  return a;
}
/// A binding found by name: an input, weight, constant, slot array or scalar.
inline KernelArg namedArg(ArgKind kind, const std::string &name) {
  KernelArg a;
  a.kind = kind;
  a.name = name;
  return a;
}
/// One layer's KV cache.
inline KernelArg layerArg(ArgKind kind, int64_t layer) {
  KernelArg a;
  a.kind = kind;
  a.layer = layer;
  return a;
}
/// A null pointer, for an optional input the launch does not use.
inline KernelArg nullArg() {
  KernelArg a;
  a.kind = ArgKind::Null;
  return a;
}

} // namespace llmc::testing
