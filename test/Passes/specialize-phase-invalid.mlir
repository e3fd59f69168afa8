// One case per reason llm-specialize-phase cannot proceed; later lowering
// needs both @prefill and @decode, so each is an error.
//
// RUN: llm-opt %s -split-input-file -llm-specialize-phase -verify-diagnostics
// (A max-slots that is not positive: specialize-phase-max-slots.mlir.)

// expected-error @+1 {{llm-specialize-phase: the module has no func.func @forward to specialize}}
module @no_forward {
  func.func @prefill(%tokens: tensor<?xi32>) {
    return
  }
}

// -----

// expected-error @+1 {{llm-specialize-phase: the module already defines @decode}}
module @already_specialized {
  func.func @forward(%tokens: tensor<?xi32>) {
    return
  }
  func.func @decode(%tokens: tensor<8xi32>) {
    return
  }
}

// -----

module @forward_is_called {
  // expected-error @+1 {{llm-specialize-phase: @forward is referenced in the module and cannot be replaced}}
  func.func @forward(%tokens: tensor<?xi32>) {
    return
  }
  func.func @caller(%tokens: tensor<?xi32>) {
    func.call @forward(%tokens) : (tensor<?xi32>) -> ()
    return
  }
}

// -----

module @static_tokens {
  // expected-error @+1 {{llm-specialize-phase: @forward's token dim must be dynamic, got 'tensor<4xi32>'}}
  func.func @forward(%tokens: tensor<4xi32>) {
    return
  }
}
