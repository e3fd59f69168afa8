#include "runtime/gpu/DecodeGraphs.h"

namespace llmc::gpu {

StatusOr<const cuda::GraphExec *>
DecodeGraphs::graph(int64_t rows, const cuda::Stream &stream) {
  auto graph = graphs_.find(rows);
  if (graph == graphs_.end()) {
    LLMC_ASSIGN_OR_RETURN(DecodeLaunches bound, bind_(rows));
    LLMC_ASSIGN_OR_RETURN(cuda::Graph captured,
                          cuda::Graph::capture(stream, [&]() -> Status {
                            LLMC_RETURN_IF_ERROR(bound.forward.enqueue(stream));
                            return bound.sample.enqueue(stream);
                          }));
    LLMC_ASSIGN_OR_RETURN(cuda::GraphExec exec,
                          cuda::GraphExec::instantiate(captured));
    graph = graphs_.emplace(rows, std::move(exec)).first;
  }
  return &graph->second;
}

StatusOr<const DecodeLaunches *> DecodeGraphs::launches(int64_t rows) {
  auto bound = launches_.find(rows);
  if (bound == launches_.end()) {
    LLMC_ASSIGN_OR_RETURN(DecodeLaunches launches, bind_(rows));
    bound = launches_.emplace(rows, std::move(launches)).first;
  }
  return &bound->second;
}

} // namespace llmc::gpu
