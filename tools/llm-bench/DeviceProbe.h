// DeviceProbe: measures the two ceilings the roofline estimate divides by on
// the GPU at hand, and caches them per device (DeviceMeasurement.h):
//   copy bandwidth   a large device-to-device copy (cuMemcpyDtoDAsync),
//                    counting the bytes read and the bytes written;
//   bf16 matrix rate the kernel library's GemmMma, compiled on the fly with
//                    NVRTC for the device's arch, on an 8192^3 problem.
// Both are timed with CUDA events after warm-up launches. These are the
// rates the engine's own kernels can reach, not the data sheet's.
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/DeviceMeasurement.h"

#include <string>

namespace llmc::bench {

/// The CUDA source the matrix rate is timed with: one extern "C" kernel
/// `gemm` instantiating kGemmProbeInstantiation, and device integers
/// `gemmSharedBytes` and `gemmThreads` holding its launch needs.
std::string gemmProbeSource();
/// The GEMM instantiation the probe times (recorded in the measurement).
extern const char *const kGemmProbeInstantiation;
/// M = N = K of the timed problem.
constexpr int kGemmProbeSize = 8192;

/// Measures device `ordinal` now.
StatusOr<DeviceMeasurement> measureDevice(int ordinal);

/// The device's cached measurement, or a new one (then cached) when there
/// is none or `remeasure` is set. `path` receives the cache file.
StatusOr<DeviceMeasurement> cachedOrMeasuredDevice(int ordinal, bool remeasure,
                                                   std::string &path);

} // namespace llmc::bench
