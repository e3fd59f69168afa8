// EngineRunner: sends a benchmark's requests to the runtime's Engine and
// records when each was sent and what its stream measured. A fixed number of
// requests is kept in flight (a closed loop): 1 runs them one after another,
// the request count submits them all at once (an offline batch).
#pragma once

#include "runtime/api/GpuExecutor.h"
#include "tools/llm-bench/Progress.h"
#include "tools/llm-bench/RunRecord.h"

#include <vector>

namespace llmc::bench {

/// Runs `requests` with at most `concurrency` in flight, submitting the next
/// as soon as one ends. The engine's counters are reset first and read at
/// the end. Fails when a request is refused or its stream fails.
StatusOr<RunRecord> runRequests(Engine &engine,
                                std::vector<serving::Request> requests,
                                int64_t concurrency, Progress &progress);

} // namespace llmc::bench
