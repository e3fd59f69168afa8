// The engine ABI header: the slot-array table and the SlotState struct the
// kernels take are one list, the binding names are unique, the ring entry is
// one 8-byte word, and the header reaches NVRTC beside the kernel library.
#include "runtime/engine/EngineAbi.h"
#include "compiler/kernels/KernelSources.h"
#include "runtime/engine/Manifest.h"
#include "runtime/serving/Request.h"

#include <cstddef>

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace llmc;

namespace {

template <typename Names> bool unique(const Names &names) {
  std::set<std::string> seen;
  for (const auto &name : names)
    if (!seen.insert(name).second)
      return false;
  return true;
}

TEST(EngineAbi, SlotStateHoldsOnePointerPerSlotArrayAndTheSlotCount) {
  const size_t arrays = std::size(engine::kSlotArrays);
  EXPECT_EQ(arrays, 13u);
  // The pointers, then numSlots padded to the struct's 8-byte alignment: the
  // layout a kernel parameter of this type has on the device.
  EXPECT_EQ(sizeof(engine::SlotState), arrays * sizeof(void *) + 8);
}

TEST(EngineAbi, SlotArraysDescribeTheirElements) {
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays) {
    const std::string name = array.name;
    EXPECT_EQ(array.perSlot, name == "stop_ids" ? engine::kMaxStopIds : 1)
        << name;
    EXPECT_EQ(array.elementBytes, name == "seeds" ? 8 : 4) << name;
    // Only the step's own bookkeeping is written by the kernels; everything
    // the host sets at admission is read-only on the device.
    const bool written = name == "tokens" || name == "positions" ||
                         name == "generated" || name == "finished";
    EXPECT_EQ(array.writable, written) << name;
  }
  EXPECT_STREQ(engine::kSlotArrays[4].field, "maxNewTokens");
  EXPECT_STREQ(engine::kSlotArrays[11].type, "unsigned long long");
  EXPECT_STREQ(engine::kSlotArrays[12].field, "topLogprobs");
}

TEST(EngineAbi, TheManifestAcceptsExactlyTheAbiNames) {
  std::vector<std::string> slots;
  for (const engine::SlotArrayInfo &array : engine::kSlotArrays)
    slots.push_back(array.name);
  EXPECT_TRUE(unique(slots));
  EXPECT_TRUE(unique(engine::kInputNames));
  EXPECT_TRUE(unique(engine::kScalarNames));
  EXPECT_EQ(bindingNames(ArgKind::Slot), slots);
  EXPECT_EQ(bindingNames(ArgKind::Input),
            std::vector<std::string>(std::begin(engine::kInputNames),
                                     std::end(engine::kInputNames)));
  EXPECT_EQ(bindingNames(ArgKind::Scalar),
            (std::vector<std::string>{"rows", "seqs", "max_chunk_rows",
                                      "ring_rows"}));
}

TEST(EngineAbi, FinishReasonsHaveTheirCodesAndNames) {
  // The codes are stored in the `finished` array and the token ring.
  EXPECT_EQ(int(engine::FinishReason::Running), 0);
  EXPECT_EQ(int(engine::FinishReason::Idle), 4);
  EXPECT_STREQ(engine::finishReasonName(engine::FinishReason::StopToken),
               "stop");
  EXPECT_STREQ(engine::finishReasonName(engine::FinishReason::MaxTokens),
               "length");
  EXPECT_STREQ(engine::finishReasonName(engine::FinishReason::ContextEnd),
               "context");
  EXPECT_STREQ(engine::finishReasonName(engine::FinishReason(9)), "unknown");
}

TEST(EngineAbi, RingEntryIsOneEightByteWord) {
  // The slot update writes an entry with one 8-byte store.
  EXPECT_EQ(sizeof(engine::TokenRingEntry), 8u);
  EXPECT_EQ(alignof(engine::TokenRingEntry), 8u);
}

TEST(EngineAbi, LogprobEntryHoldsTheApiMaximumOfAlternatives) {
  // The serving layer's limit is the ABI's, so every request that passes
  // validation fits an entry.
  EXPECT_EQ(serving::kMaxTopLogprobs, engine::kMaxTopLogprobs);
  EXPECT_EQ(engine::kMaxTopLogprobs, 20);
  // logprob, count, then the ids and their log-probabilities: plain 4-byte
  // words, the same layout on the host and the device.
  EXPECT_EQ(sizeof(engine::LogprobRingEntry),
            (2 + 2 * engine::kMaxTopLogprobs) * 4u);
  EXPECT_EQ(offsetof(engine::LogprobRingEntry, ids), 8u);
}

TEST(EngineAbi, IsEmbeddedForNvrtcBesideTheKernelLibrary) {
  const auto &headers = kernels::kernelHeaders();
  ASSERT_TRUE(headers.count("EngineAbi.h"));
  EXPECT_NE(headers.at("EngineAbi.h").find("struct SlotState"),
            std::string::npos);
  EXPECT_NE(headers.at("SlotState.cuh").find("#include \"EngineAbi.h\""),
            std::string::npos);
}

} // namespace
