// PrimaryContext: a retained reference to a device's primary context.
//
// llmc uses one context per device, the primary one (the context the CUDA
// runtime and other libraries share), retained for as long as this object
// lives. Driver calls act on the calling thread's current context, so each
// thread that issues them calls makeCurrent() first.
#pragma once

#include "runtime/Status.h"
#include "runtime/cuda/CudaDriver.h"

namespace llmc::cuda {

/// Move-only owner of one reference to a device's primary context.
class PrimaryContext {
public:
  /// Retains the primary context of device `ordinal`.
  static StatusOr<PrimaryContext> retain(const CudaDriver &driver, int ordinal);
  /// Retains device `ordinal`'s primary context and makes it current here.
  static StatusOr<PrimaryContext> retainAndMakeCurrent(const CudaDriver &driver,
                                                       int ordinal);

  PrimaryContext(PrimaryContext &&other) noexcept;
  PrimaryContext &operator=(PrimaryContext &&other) noexcept;
  PrimaryContext(const PrimaryContext &) = delete;
  PrimaryContext &operator=(const PrimaryContext &) = delete;
  /// Releases the reference; errors (e.g. during process teardown) are ignored.
  ~PrimaryContext();

  /// Makes this context current on the calling thread.
  Status makeCurrent() const;
  /// Waits for all work in this context; it must be current.
  Status synchronize() const;

  CUcontext handle() const { return context_; }
  CUdevice device() const { return device_; }
  int ordinal() const { return ordinal_; }
  const CudaDriver &driver() const { return *driver_; }

private:
  PrimaryContext(const CudaDriver &driver, CUdevice device, int ordinal,
                 CUcontext context)
      : driver_(&driver), device_(device), ordinal_(ordinal),
        context_(context) {}
  void reset() noexcept;

  const CudaDriver *driver_ = nullptr;
  CUdevice device_ = 0;
  int ordinal_ = -1;
  CUcontext context_ = nullptr;
};

} // namespace llmc::cuda
