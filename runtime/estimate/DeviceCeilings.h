// DeviceCeilings: the two rates a roofline estimate divides by, a GPU's memory
// bandwidth and its dense bf16 matrix rate, either from the vendor's data
// sheet (the table below) or measured on the device by llm-bench
// (DeviceMeasurement.h).
//
// Data-sheet rates are peaks no kernel reaches; an estimate against them is a
// lower bound on time. The measured rates (a large device-to-device copy, the
// kernel library's own GEMM) are what the engine can actually get.
#pragma once

#include "runtime/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc {

struct DeviceCeilings {
  std::string name;                   ///< "H100 SXM", or the measured device
  double bandwidthBytesPerSecond = 0; ///< memory bandwidth
  double matrixFlopsPerSecond = 0;    ///< dense bf16 tensor-core rate
  std::string source;                 ///< "data sheet" or the measurement file

  /// Both rates positive.
  Status validate() const;
};

/// The keys knownGpu accepts, in table order: "h100", "h200", "a100".
const std::vector<std::string> &knownGpuKeys();

/// Data-sheet ceilings:
///   h100  H100 SXM     3.35 TB/s   989 TFLOP/s bf16 dense
///   h200  H200         4.8 TB/s    989 TFLOP/s
///   a100  A100 80GB    2.0 TB/s    312 TFLOP/s
/// Fails for another key, listing the known ones.
StatusOr<DeviceCeilings> knownGpu(const std::string &key);

/// The data-sheet entry whose GPU a CUDA device name ("NVIDIA H200",
/// "NVIDIA A100-SXM4-80GB") names, if any.
std::optional<DeviceCeilings> knownGpuForDeviceName(const std::string &name);

} // namespace llmc
