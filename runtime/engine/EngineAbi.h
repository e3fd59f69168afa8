// EngineAbi.h: the contract between an engine's kernels and the runtime that
// binds and runs them, stated once: the per-slot decode state, the buffers and
// scalars a launch may bind by name, the finish codes of a slot, and the entry
// of the host token ring.
//
// Host code (compiler, runtime, tests) includes it as
// "runtime/engine/EngineAbi.h"; the kernel library includes it as
// "EngineAbi.h", embedded for NVRTC beside the .cuh files
// (compiler/kernels/CMakeLists.txt). It is therefore plain C++ with no
// includes; `int` is 32 bits on every host and device we build for.
//
// The name lists are X-macros so that each user builds the form it needs
// from the one list: the device's SlotState struct, the manifest's binding
// names, the kernel dialect's verifier, the wrapper parameters of the code
// generator and the runtime's buffer layout. Adding a slot array is one line
// of LLMC_ENGINE_SLOT_ARRAYS (and the kernels that read it).
#pragma once

namespace llmc {
namespace engine {

/// Stop ids a slot holds besides its end-of-sequence id; unused entries are -1.
constexpr int kMaxStopIds = 4;

/// Most alternatives a slot may ask log-probabilities for (OpenAI's limit on
/// `logprobs` / `top_logprobs`).
constexpr int kMaxTopLogprobs = 20;

/// Why a slot stopped: the codes of the `finished` slot array and of a token
/// ring entry. When several conditions hold at once the first in this order is
/// reported (the CPU generator checks in the same order): stop token, then max
/// tokens, then context end.
enum class FinishReason : int {
  Running = 0,    ///< still generating
  StopToken = 1,  ///< an end-of-sequence id or a stop id was generated
  MaxTokens = 2,  ///< the request's max_new_tokens tokens were generated
  ContextEnd = 3, ///< the next position would be past the request's context
  Idle = 4,       ///< no request (the host sets it for free slots)
};

/// "running", "stop", "length", "context", "idle" (the finished request's
/// spellings are OpenAI's finish_reason values).
constexpr const char *finishReasonName(FinishReason reason) {
  return reason == FinishReason::Running      ? "running"
         : reason == FinishReason::StopToken  ? "stop"
         : reason == FinishReason::MaxTokens  ? "length"
         : reason == FinishReason::ContextEnd ? "context"
         : reason == FinishReason::Idle       ? "idle"
                                              : "unknown";
}

//===----------------------------------------------------------------------===//
// Slot arrays
//===----------------------------------------------------------------------===//

// The per-slot decode state on the device, struct-of-arrays: row s of every
// array belongs to the request bound to slot s. In the order the kernels take
// them and the runtime lays them out:
//   X(name in the manifest, C element type, SlotState field, elements per
//     slot, writable by the kernels)
#define LLMC_ENGINE_SLOT_ARRAYS(X)                                             \
  /* the last token: the next step's input */                                  \
  X(tokens, int, tokens, 1, true)                                              \
  /* the position of tokens[s]; negative: no sequence */                       \
  X(positions, int, positions, 1, true)                                        \
  /* tokens generated so far (the prompt not counted) */                       \
  X(generated, int, generated, 1, true)                                        \
  /* a FinishReason; nonzero slots are skipped by every kernel */              \
  X(finished, int, finished, 1, true)                                          \
  /* finish once generated reaches this */                                     \
  X(max_new_tokens, int, maxNewTokens, 1, false)                               \
  /* further stop tokens, -1 unused */                                         \
  X(stop_ids, int, stopIds, ::llmc::engine::kMaxStopIds, false)                \
  /* the end-of-sequence token, -1 none */                                     \
  X(eos_ids, int, eosIds, 1, false)                                            \
  /* positions available to the request */                                     \
  X(context_limits, int, contextLimits, 1, false)                              \
  /* 0: greedy */                                                              \
  X(temperatures, float, temperatures, 1, false)                               \
  /* 0: no top-k filter */                                                     \
  X(top_ks, int, topKs, 1, false)                                              \
  /* 1: no nucleus filter */                                                   \
  X(top_ps, float, topPs, 1, false)                                            \
  /* the sampling seed */                                                      \
  X(seeds, unsigned long long, seeds, 1, false)                                \
  /* -1: no log-probabilities; n in [0, kMaxTopLogprobs]: the sampled */       \
  /* token's and the n most likely tokens' (LogprobRingEntry) */               \
  X(top_logprobs, int, topLogprobs, 1, false)

/// `T *` for an array the kernels write, `const T *` for one they only read.
template <bool Writable, typename T> struct SlotPointer {
  typedef const T *type;
};
template <typename T> struct SlotPointer<true, T> { typedef T *type; };

/// The device state of all slots, passed by value to kernels: one pointer per
/// slot array (each with numSlots * elements-per-slot entries).
struct SlotState {
#define LLMC_ENGINE_SLOT_FIELD(name, ctype, field, perSlot, writable)          \
  SlotPointer<writable, ctype>::type field;
  LLMC_ENGINE_SLOT_ARRAYS(LLMC_ENGINE_SLOT_FIELD)
#undef LLMC_ENGINE_SLOT_FIELD
  int numSlots;
};

/// One slot array as host code sees it.
struct SlotArrayInfo {
  const char *name;  ///< the binding name in the manifest, e.g. "stop_ids"
  const char *type;  ///< the C element type, e.g. "int"
  const char *field; ///< the SlotState field, e.g. "stopIds"
  int elementBytes;
  int perSlot; ///< elements per slot
  bool writable;
};

constexpr SlotArrayInfo kSlotArrays[] = {
#define LLMC_ENGINE_SLOT_INFO(name, ctype, field, perSlot, writable)           \
  {#name, #ctype, #field, int(sizeof(ctype)), perSlot, writable},
    LLMC_ENGINE_SLOT_ARRAYS(LLMC_ENGINE_SLOT_INFO)
#undef LLMC_ENGINE_SLOT_INFO
};

//===----------------------------------------------------------------------===//
// Runtime input buffers and per-launch scalars
//===----------------------------------------------------------------------===//

// The buffers the runtime owns and a launch binds by name (manifest binding
// kind `input`): X(name).
#define LLMC_ENGINE_INPUT_BUFFERS(X)                                           \
  X(tokens)          /* int32 [rows]: the run's token ids */                   \
  X(positions)       /* int32 [rows]: each row's position */                   \
  X(token_slots)     /* int32 [rows]: each row's slot (prefill) */             \
  X(block_tables)    /* int32 [max_slots, blocks per sequence] */              \
  X(seq_slots)       /* int32 [seqs]: each prefill sequence's slot */          \
  X(query_starts)    /* int32 [seqs + 1]: first row of each sequence */        \
  X(start_positions) /* int32 [seqs]: position of each chunk's first row */    \
  X(logit_rows)      /* int32 [max_slots]: a slot's logits row, -1 none */     \
  X(logits)          /* fp32 [max_slots, vocab]: the phase before sample */    \
  X(slot_mask)       /* int32 [max_slots] or null: slots a sample takes */     \
  X(token_ring)      /* TokenRingEntry [ring_rows, max_slots], host-mapped */  \
  X(logprob_ring) /* LogprobRingEntry [ring_rows, max_slots], host-mapped */   \
  X(step_counter) /* uint32: slot updates run so far */

// The int32 values a launch receives per run (binding kind `scalar`):
// X(name).
#define LLMC_ENGINE_LAUNCH_SCALARS(X)                                          \
  X(rows)           /* token rows of the run */                                \
  X(seqs)           /* sequences in a prefill batch */                         \
  X(max_chunk_rows) /* rows of the batch's longest prefill chunk */            \
  X(ring_rows)      /* rows of the host token ring */

#define LLMC_ENGINE_NAME_STRING(name) #name,
constexpr const char *kInputNames[] = {
    LLMC_ENGINE_INPUT_BUFFERS(LLMC_ENGINE_NAME_STRING)};
constexpr const char *kScalarNames[] = {
    LLMC_ENGINE_LAUNCH_SCALARS(LLMC_ENGINE_NAME_STRING)};
#undef LLMC_ENGINE_NAME_STRING

//===----------------------------------------------------------------------===//
// Token ring
//===----------------------------------------------------------------------===//

/// One entry of the host-visible token ring: what slot s produced at one
/// slot update. The kernel writes both words in one 8-byte store; the host
/// resets `token` to -1 after reading an entry, and entries of slots that were
/// finished or idle at that update are left untouched, so -1 there means
/// "nothing this step".
struct alignas(8) TokenRingEntry {
  int token;
  int finishReason; ///< a FinishReason after this token (0: still running)
};

/// What slot s's log-probabilities were at one slot update, beside its token
/// ring entry (same ring row, same slot), written only for slots with
/// top_logprobs >= 0. Log-probabilities are log-softmax of the raw logits
/// (before temperature and filters), the alternatives ordered by logit
/// descending and then by id ascending. The host resets `count` to -1 after
/// reading an entry, as it resets a token entry.
struct LogprobRingEntry {
  float logprob; ///< the sampled token's
  int count;     ///< alternatives in ids/logprobs; -1: not written
  int ids[kMaxTopLogprobs];
  float logprobs[kMaxTopLogprobs];
};

} // namespace engine
} // namespace llmc
