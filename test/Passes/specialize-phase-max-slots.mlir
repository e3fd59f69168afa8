// llm-specialize-phase refuses a decode step without rows.
//
// RUN: llm-opt %s '-llm-specialize-phase=max-slots=0' -verify-diagnostics

// expected-error @+1 {{llm-specialize-phase: max-slots must be positive, got 0}}
module @zero_slots {
  func.func @forward(%tokens: tensor<?xi32>) {
    return
  }
}
