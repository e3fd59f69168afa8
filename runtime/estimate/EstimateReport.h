// EstimateReport: an Estimate as JSON (for scripts, and beside the measured
// numbers in llm-bench's report) and as a short readable text.
#pragma once

#include "runtime/estimate/EngineCosts.h"
#include "runtime/estimate/Estimate.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace llmc {

/// Every field of `estimate` in SI units (seconds, bytes, FLOP), plus the
/// source of the costs and the device's ceilings.
nlohmann::json toJson(const Estimate &estimate, const EngineCosts &costs);

/// The readable form: the device line, a prefill and a decode row (time,
/// launches, FLOP, bytes), TTFT, TPOT, E2E and the memory breakdown.
std::string formatEstimate(const Estimate &estimate, const EngineCosts &costs);

/// "13.48 GB", "512.0 MB", "96 B" (decimal units).
std::string formatBytes(double bytes);
/// "1.72 T", "13.5 G", "980" (decimal prefixes).
std::string formatCount(double count);
/// "12.34 ms", "850.0 us", "1.234 s".
std::string formatSeconds(double seconds);

} // namespace llmc
