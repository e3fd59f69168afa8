#include "runtime/engine/ArchName.h"

#include <gtest/gtest.h>

namespace llmc {
namespace {

TEST(ArchName, ReadsTheNumberOfEverySpellingEnginesUse) {
  EXPECT_EQ(archNumber("sm_80"), 80);
  EXPECT_EQ(archNumber("sm_90a"), 90);
  EXPECT_EQ(archNumber("sm_100f"), 100);
}

TEST(ArchName, RefusesOtherSpellings) {
  for (const char *arch :
       {"", "sm_", "sm_90b", "compute_90", "90", "sm_12345", "SM_90", "sm_9x"})
    EXPECT_EQ(archNumber(arch), -1) << arch;
}

} // namespace
} // namespace llmc
