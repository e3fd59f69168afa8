// Stop strings are found across token boundaries and never emitted, not even
// in part; text that only looked like a stop string's start is released.
#include "runtime/server/StopMatcher.h"

#include <gtest/gtest.h>

using llmc::server::StopMatcher;

TEST(StopMatcher, FindsAStopStringSplitAcrossPieces) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.push("the E"), "the ");
  EXPECT_EQ(m.push("N"), "");
  EXPECT_EQ(m.push("D and more"), "");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.push("later"), "");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, ReleasesHeldTextThatIsNoStopString) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.push("an E"), "an ");
  EXPECT_EQ(m.push("Nx"), "ENx");
  EXPECT_FALSE(m.stopped());
  EXPECT_EQ(m.push("E"), "");
  EXPECT_EQ(m.flush(), "E");
}

TEST(StopMatcher, TheEarliestOfSeveralWins) {
  StopMatcher m({"cat", "a"});
  EXPECT_EQ(m.push("the cat sat"), "the "); // "cat" starts before "a"
  EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, WithoutStopStringsEverythingPasses) {
  StopMatcher m({});
  EXPECT_EQ(m.push("abc"), "abc");
  EXPECT_EQ(m.flush(), "");
}
