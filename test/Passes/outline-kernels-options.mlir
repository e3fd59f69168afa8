// llm-outline-kernels refuses a KV block size the paged cache cannot use.
//
// RUN: llm-opt %s '-llm-outline-kernels=kv-block-size=12' -verify-diagnostics

// expected-error @+1 {{llm-outline-kernels: kv-block-size 12 is not supported: the paged KV cache takes a power of two in 8..128}}
module @block_size_12 {
}
