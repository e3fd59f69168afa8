// Stream capture into graphs, instantiation and replay.
#include "runtime/cuda/Graph.h"

#include <utility>

namespace llmc::cuda {

StatusOr<Graph> Graph::capture(const Stream &stream,
                               const std::function<Status()> &record,
                               CUstreamCaptureMode mode) {
  const CudaDriver &driver = stream.driver();
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuStreamBeginCapture, stream.handle(), mode));
  Status recorded = record();
  CUgraph graph = nullptr;
  Status ended = LLMC_CU(driver, cuStreamEndCapture, stream.handle(), &graph);
  // Own whatever capture produced before deciding which error to report.
  Graph owned(driver, graph);
  if (!recorded.isOk())
    return recorded.withContext("recording a CUDA graph");
  LLMC_RETURN_IF_ERROR(ended.withContext(
      "ending stream capture (was an unsafe call made while capturing?)"));
  return owned;
}

Graph::Graph(Graph &&other) noexcept
    : driver_(other.driver_), graph_(std::exchange(other.graph_, nullptr)) {}

Graph &Graph::operator=(Graph &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    graph_ = std::exchange(other.graph_, nullptr);
  }
  return *this;
}

Graph::~Graph() { reset(); }

void Graph::reset() noexcept {
  if (graph_)
    (void)driver_->cuGraphDestroy(graph_); // teardown: errors are moot
  graph_ = nullptr;
}

StatusOr<GraphExec> GraphExec::instantiate(const Graph &graph) {
  const CudaDriver &driver = graph.driver();
  CUgraphExec exec = nullptr;
  LLMC_RETURN_IF_ERROR(
      LLMC_CU(driver, cuGraphInstantiateWithFlags, &exec, graph.handle(), 0));
  return GraphExec(driver, exec);
}

GraphExec::GraphExec(GraphExec &&other) noexcept
    : driver_(other.driver_), exec_(std::exchange(other.exec_, nullptr)) {}

GraphExec &GraphExec::operator=(GraphExec &&other) noexcept {
  if (this != &other) {
    reset();
    driver_ = other.driver_;
    exec_ = std::exchange(other.exec_, nullptr);
  }
  return *this;
}

GraphExec::~GraphExec() { reset(); }

void GraphExec::reset() noexcept {
  if (exec_)
    (void)driver_->cuGraphExecDestroy(exec_); // teardown: errors are moot
  exec_ = nullptr;
}

Status GraphExec::launch(const Stream &stream) const {
  return LLMC_CU(*driver_, cuGraphLaunch, exec_, stream.handle());
}

} // namespace llmc::cuda
