// Graph and GraphExec: CUDA graphs recorded by stream capture and replayed with
// one launch (a decode step is one graph per active-slot bucket).
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/Stream.h"

#include <functional>

namespace llmc::cuda {

/// Move-only owner of a captured CUgraph.
class Graph {
public:
  /// Captures the work `record` queues on `stream` into a graph. Capture ends
  /// whether or not `record` succeeds, so the stream is usable afterwards; a
  /// failing `record` returns its own error. The default mode makes
  /// unsafe calls on this thread (a synchronous copy, say) fail the capture
  /// instead of silently running outside it.
  static StatusOr<Graph>
  capture(const Stream &stream, const std::function<Status()> &record,
          CUstreamCaptureMode mode = CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);

  Graph(Graph &&other) noexcept;
  Graph &operator=(Graph &&other) noexcept;
  Graph(const Graph &) = delete;
  Graph &operator=(const Graph &) = delete;
  ~Graph();

  CUgraph handle() const { return graph_; }
  const CudaDriver &driver() const { return *driver_; }

private:
  Graph(const CudaDriver &driver, CUgraph graph)
      : driver_(&driver), graph_(graph) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUgraph graph_ = nullptr;
};

/// Move-only owner of an instantiated, launchable graph.
class GraphExec {
public:
  /// Instantiates `graph`; the Graph may be destroyed afterwards.
  static StatusOr<GraphExec> instantiate(const Graph &graph);

  GraphExec(GraphExec &&other) noexcept;
  GraphExec &operator=(GraphExec &&other) noexcept;
  GraphExec(const GraphExec &) = delete;
  GraphExec &operator=(const GraphExec &) = delete;
  ~GraphExec();

  /// Queues one replay of the whole graph on `stream`.
  Status launch(const Stream &stream) const;

  CUgraphExec handle() const { return exec_; }

private:
  GraphExec(const CudaDriver &driver, CUgraphExec exec)
      : driver_(&driver), exec_(exec) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUgraphExec exec_ = nullptr;
};

} // namespace llmc::cuda
