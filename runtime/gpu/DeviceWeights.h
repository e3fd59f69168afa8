// DeviceWeights: an engine's packed bf16 weights in one device buffer, at the
// offsets of the manifest's weight layout. Real engines copy weights.bin;
// synthetic engines regenerate every source tensor from its seed on the host
// (in parallel, bit-identical to what the CPU reference reads) and upload it.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/DeviceBuffer.h"
#include "runtime/gpu/EngineFiles.h"

namespace llmc::gpu {

/// Allocates layout.totalBytes and fills it. `threads` = 0 uses every core.
StatusOr<cuda::DeviceBuffer> loadDeviceWeights(const cuda::CudaDriver &driver,
                                               const EngineFiles &engine,
                                               unsigned threads = 0);

/// One packed tensor as bf16 bits, made from synthetic sources (stacked or
/// interleaved rows, as the layout says). Fails for a tensor with a real
/// source.
StatusOr<std::vector<uint16_t>>
synthesizePackedTensor(const PackedTensor &tensor, unsigned threads = 0);

} // namespace llmc::gpu
