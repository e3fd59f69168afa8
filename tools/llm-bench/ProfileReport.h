// ProfileReport: llm-bench's form of a KernelProfile (--profile): one table
// per phase with a row per kernel (launches, ms total, % of phase,
// us/launch, GB/s, TFLOP/s, % of roofline, bound), and the same figures as
// JSON in SI units:
//   {"timing": ..., "ceilings": {"name", "bandwidth_bytes_per_second",
//                               "matrix_flops_per_second", "source"} | null,
//    "phases": [{"phase", "launches", "seconds", "kernels": [
//      {"kernel", "launches", "seconds", "phase_share",
//       "microseconds_per_launch", "bytes", "flops", "bytes_per_second",
//       "flops_per_second", "roofline_seconds", "roofline_fraction",
//       "bound": "memory" | "compute" | null}]}]}
#pragma once

#include "runtime/estimate/KernelProfile.h"

#include <nlohmann/json.hpp>

#include <string>

namespace llmc::bench {

/// How the kernel times were taken; printed above the tables and stored in
/// the JSON, since they differ from the graph-replayed steps.
extern const char *const kProfileTimingNote;

/// The phases' tables, each headed by the phase's kernel time and launches.
/// Roofline columns print "-" when the profile has no ceilings.
std::string formatProfile(const KernelProfile &profile);

nlohmann::json toJson(const KernelProfile &profile);

} // namespace llmc::bench
