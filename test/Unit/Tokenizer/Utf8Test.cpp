// Strict UTF-8 inspection: whole characters, unfinished ones, and the maximal
// invalid subparts that become one U+FFFD each.
#include "runtime/tokenizer/Utf8.h"

#include <gtest/gtest.h>

namespace llmc::utf8 {
namespace {

void expectSequence(std::string_view bytes, SequenceKind kind, size_t length) {
  Sequence seq = inspect(bytes);
  EXPECT_EQ(seq.kind, kind) << "for bytes of length " << bytes.size();
  EXPECT_EQ(seq.length, length);
}

TEST(Utf8, RecognisesWholeCharactersOfEachLength) {
  expectSequence("a", SequenceKind::Complete, 1);
  expectSequence("\xC3\xA9x", SequenceKind::Complete, 2);        // é
  expectSequence("\xE4\xB8\xAD", SequenceKind::Complete, 3);     // 中
  expectSequence("\xF0\x9F\x98\x80", SequenceKind::Complete, 4); // 😀
}

TEST(Utf8, ReportsUnfinishedCharactersAsIncomplete) {
  expectSequence("\xF0", SequenceKind::Incomplete, 1);
  expectSequence("\xF0\x9F", SequenceKind::Incomplete, 2);
  expectSequence("\xF0\x9F\x98", SequenceKind::Incomplete, 3);
  expectSequence("\xE4\xB8", SequenceKind::Incomplete, 2);
}

TEST(Utf8, RejectsOverlongsSurrogatesAndStrayBytes) {
  expectSequence("\x80", SequenceKind::Invalid, 1);         // lone continuation
  expectSequence("\xC0\xAF", SequenceKind::Invalid, 1);     // overlong '/'
  expectSequence("\xE0\x80\x80", SequenceKind::Invalid, 1); // overlong
  expectSequence("\xED\xA0\x80", SequenceKind::Invalid, 1); // surrogate
  expectSequence("\xF4\x90\x80\x80", SequenceKind::Invalid, 1); // > U+10FFFF
  expectSequence("\xF5", SequenceKind::Invalid, 1);
  // A good start cut short by a non-continuation byte is one subpart.
  expectSequence("\xF0\x9F\x98x", SequenceKind::Invalid, 3);
  EXPECT_TRUE(isValid("plain \xE4\xB8\xAD"));
  EXPECT_FALSE(isValid("cut \xE4\xB8"));
}

} // namespace
} // namespace llmc::utf8
