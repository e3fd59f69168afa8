// DeviceMeasurement: a GPU's copy bandwidth and bf16 matrix rate as llm-bench
// measured them, cached per device so that later benchmarks and llm-estimate
// (--gpu measured) use the same ceilings without measuring again.
//
// The cache is one JSON file per device,
//   $XDG_CACHE_HOME/llmc/device-<name>.json   (default ~/.cache/llmc)
// where <name> is the CUDA device name with every character other than a
// letter, a digit, '-' or '.' replaced by '-' ("NVIDIA-H200"). Deleting it
// only makes the next benchmark measure again.
//
//   {"format": 1, "device": "NVIDIA H200", "arch": "sm_90",
//    "copy_bandwidth_bytes_per_second": 4.28e12,
//    "bf16_matrix_flops_per_second": 6.1e14,
//    "matrix_kernel": "GemmMma<8192, 8192, ...>",
//    "measured_at": "2025-01-31T12:00:00Z"}
#pragma once

#include "runtime/Status.h"
#include "runtime/estimate/DeviceCeilings.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace llmc {

struct DeviceMeasurement {
  std::string device; ///< the CUDA device name
  std::string arch;   ///< "sm_90"
  /// Bytes read plus bytes written per second by a large device-to-device
  /// copy: what a kernel streaming weights can hope for.
  double copyBandwidthBytesPerSecond = 0;
  /// 2 * M * N * K / time of the kernel library's tensor-core GEMM on a large
  /// square problem.
  double matrixFlopsPerSecond = 0;
  std::string matrixKernel; ///< the GEMM instantiation that was timed
  std::string measuredAt;   ///< UTC, ISO 8601

  /// The ceilings an estimate uses; `source` names `path`.
  DeviceCeilings ceilings(const std::string &path) const;
};

nlohmann::json toJson(const DeviceMeasurement &measurement);
/// Checks every field's presence and type and both rates positive; messages
/// name `source` and the field.
StatusOr<DeviceMeasurement>
deviceMeasurementFromJson(const nlohmann::json &json,
                          const std::string &source);

/// $XDG_CACHE_HOME/llmc, else $HOME/.cache/llmc.
StatusOr<std::string> measurementCacheDirectory();
/// "device-NVIDIA-H200.json" for "NVIDIA H200".
std::string measurementFileName(const std::string &deviceName);
/// The cached measurement files (device-*.json) in `directory`, sorted; empty
/// when the directory does not exist.
std::vector<std::string> cachedMeasurementFiles(const std::string &directory);

StatusOr<DeviceMeasurement> readDeviceMeasurement(const std::string &path);
/// Writes atomically (a temporary file renamed over `path`), creating the
/// directory when missing.
Status writeDeviceMeasurement(const std::string &path,
                              const DeviceMeasurement &measurement);

} // namespace llmc
