// Tests of the safetensors reader and writer: round trips, and one test per way
// a file can be broken (each must be refused with a message naming the
// problem).
#include "runtime/formats/Safetensors.h"
#include "runtime/formats/SafetensorsWriter.h"
#include "runtime/model/Float8.h"
#include "test/Unit/Formats/TestFiles.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace llmc {
namespace {

using test::TempDir;

/// A tensor over owned bytes holding `values` converted to `dtype`.
WeightTensor makeTensor(const std::string &name, DType dtype,
                        std::vector<int64_t> shape,
                        const std::vector<float> &values) {
  std::vector<uint8_t> bytes;
  for (float v : values) {
    if (dtype == DType::F32)
      test::append<float>(bytes, v);
    else if (dtype == DType::BF16)
      test::append<uint16_t>(bytes, floatToBf16(v));
    else if (dtype == DType::F8E4M3)
      bytes.push_back(floatToE4m3(v));
    else
      test::append<uint16_t>(bytes, floatToF16(v));
  }
  WeightTensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.storage = ownBytes(std::move(bytes));
  return t;
}

/// A safetensors file from a header text and a data section, written verbatim.
std::vector<uint8_t> rawFile(const std::string &header,
                             const std::vector<uint8_t> &data,
                             uint64_t headerLength = UINT64_MAX) {
  std::vector<uint8_t> bytes;
  test::append<uint64_t>(bytes, headerLength == UINT64_MAX ? header.size()
                                                           : headerLength);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

/// Loads `path` expecting failure; returns the message.
std::string loadError(const std::string &path) {
  WeightStore store;
  Status status = loadSafetensors(path, store);
  EXPECT_FALSE(status) << "expected " << path << " to be refused";
  EXPECT_EQ(store.size(), 0u) << "a refused file must add nothing";
  EXPECT_NE(status.message().find(path), std::string::npos) << status.message();
  return status.message();
}

#define EXPECT_CONTAINS(text, fragment)                                        \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)               \
      << "missing '" << (fragment) << "' in: " << (text)

TEST(Safetensors, RoundTripsBf16F16AndF32Tensors) {
  TempDir dir;
  WeightStore original;
  ASSERT_TRUE(original.add(
      makeTensor("a.bf16", DType::BF16, {2, 3}, {1, -2, 0.5f, 3, 1e-3f, -7})));
  ASSERT_TRUE(original.add(
      makeTensor("b.f16", DType::F16, {3}, {65504, -0.25f, 6e-8f})));
  ASSERT_TRUE(original.add(
      makeTensor("c.f32", DType::F32, {1, 1, 2}, {3.14159f, -1e30f})));
  ASSERT_TRUE(original.add(makeTensor("d.empty", DType::F32, {0, 4}, {})));
  std::string path = dir.file("model.safetensors");
  ASSERT_TRUE(writeSafetensors(path, original, {{"format", "pt"}}));

  WeightStore loaded;
  Status status = loadSafetensors(path, loaded);
  ASSERT_TRUE(status) << status.message();
  ASSERT_EQ(loaded.names(), original.names());
  for (const std::string &name : original.names()) {
    const WeightTensor *a = original.find(name), *b = loaded.find(name);
    EXPECT_EQ(a->dtype, b->dtype) << name;
    EXPECT_EQ(a->shape, b->shape) << name;
    EXPECT_EQ(original.toFloat(name).value(), loaded.toFloat(name).value())
        << name;
    EXPECT_FALSE(b->isSynthetic);
  }
  // The data section starts 8-byte aligned (the header is padded).
  EXPECT_EQ(loaded.find("a.bf16")->offset % 8, 0u);
}

TEST(Safetensors, RoundTripsF8E4M3CodesByteForByte) {
  TempDir dir;
  WeightStore original;
  // 3 x 3 bytes: the tensor after it starts at an odd offset.
  ASSERT_TRUE(original.add(
      makeTensor("a.f8", DType::F8E4M3, {3, 3},
                 {448, -448, 1, -0.0f, 0.001953125f, 2.5f, -3, 0, 0.25f})));
  ASSERT_TRUE(original.add(makeTensor("b.bf16", DType::BF16, {2}, {1, -1})));
  std::string path = dir.file("f8.safetensors");
  ASSERT_TRUE(writeSafetensors(path, original));
  // The header spells the dtype the way safetensors (and torch) do.
  std::vector<uint8_t> file = test::readBytes(path);
  EXPECT_NE(std::string(file.begin(), file.end()).find(R"("F8_E4M3")"),
            std::string::npos);

  WeightStore loaded;
  Status status = loadSafetensors(path, loaded);
  ASSERT_TRUE(status) << status.message();
  const WeightTensor *a = loaded.find("a.f8");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::F8E4M3);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(a->byteSize(), 9u);
  const std::vector<uint8_t> codes(a->bytes(), a->bytes() + 9);
  EXPECT_EQ(codes, (std::vector<uint8_t>{0x7E, 0xFE, 0x38, 0x80, 0x01, 0x42,
                                         0xC4, 0x00, 0x28}));
  EXPECT_EQ(loaded.toFloat("b.bf16").value(), (std::vector<float>{1, -1}));
  // FP8 codes have no value without their scale: no silent floats.
  auto floats = loaded.toFloat("a.f8");
  ASSERT_FALSE(floats);
  EXPECT_NE(floats.status().message().find("f8e4m3"), std::string::npos);
}

TEST(Safetensors, RejectsTruncatedF8E4M3Tensor) {
  TempDir dir;
  std::string path = dir.file("short.safetensors");
  // [2, 3] F8_E4M3 needs 6 bytes; the offsets give it 5.
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F8_E4M3", "shape": [2, 3],
                                           "data_offsets": [0, 5]}})",
                                 std::vector<uint8_t>(5)));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "'w'");
  EXPECT_CONTAINS(message, "needs 6 bytes");
}

TEST(Safetensors, TensorsViewTheMappedFileWithoutCopying) {
  TempDir dir;
  WeightStore original;
  ASSERT_TRUE(original.add(makeTensor("x", DType::F32, {2}, {1, 2})));
  ASSERT_TRUE(original.add(makeTensor("y", DType::F32, {2}, {3, 4})));
  std::string path = dir.file("m.safetensors");
  ASSERT_TRUE(writeSafetensors(path, original));
  WeightStore loaded;
  ASSERT_TRUE(loadSafetensors(path, loaded));
  const WeightTensor *x = loaded.find("x"), *y = loaded.find("y");
  EXPECT_EQ(x->storage, y->storage); // one mapping shared by both
  EXPECT_EQ(x->storage->size(), test::readBytes(path).size());
  EXPECT_EQ(y->bytes(), x->bytes() + 8);
}

TEST(Safetensors, WritesSyntheticTensorsAsTheirValues) {
  TempDir dir;
  WeightTensor t;
  t.name = "s";
  t.dtype = DType::BF16;
  t.shape = {4, 4};
  t.isSynthetic = true;
  t.synthetic.seed = 3;
  WeightStore original;
  ASSERT_TRUE(original.add(t));
  std::string path = dir.file("s.safetensors");
  ASSERT_TRUE(writeSafetensors(path, original));
  WeightStore loaded;
  ASSERT_TRUE(loadSafetensors(path, loaded));
  EXPECT_EQ(loaded.toFloat("s").value(), original.toFloat("s").value());
}

TEST(Safetensors, IgnoresMetadata) {
  TempDir dir;
  std::string path = dir.file("m.safetensors");
  test::writeBytes(path, rawFile(R"({"__metadata__": {"format": "pt"},
                        "w": {"dtype": "F32", "shape": [1],
                              "data_offsets": [0, 4]}})",
                                 {0, 0, 128, 63}));
  WeightStore store;
  ASSERT_TRUE(loadSafetensors(path, store));
  EXPECT_EQ(store.names(), std::vector<std::string>{"w"});
  EXPECT_EQ(store.toFloat("w").value(), std::vector<float>{1.0f});
}

TEST(Safetensors, RejectsFileShorterThanTheLengthField) {
  TempDir dir;
  std::string path = dir.file("short.safetensors");
  test::writeBytes(path, {1, 2, 3});
  EXPECT_CONTAINS(loadError(path), "file is 3 bytes");
}

TEST(Safetensors, RejectsTruncatedFile) {
  TempDir dir;
  WeightStore original;
  ASSERT_TRUE(original.add(makeTensor("x", DType::F32, {4}, {1, 2, 3, 4})));
  std::string full = dir.file("full.safetensors");
  ASSERT_TRUE(writeSafetensors(full, original));
  std::vector<uint8_t> bytes = test::readBytes(full);
  bytes.resize(bytes.size() - 3); // cut into the tensor's data
  std::string path = dir.file("truncated.safetensors");
  test::writeBytes(path, bytes);
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "'x'");
  EXPECT_CONTAINS(message, "outside the data section of 13 bytes");
}

TEST(Safetensors, RejectsHeaderLengthBeyondEndOfFile) {
  TempDir dir;
  std::string path = dir.file("long-header.safetensors");
  test::writeBytes(path, rawFile("{}", {}, 1000));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "header length 1000");
  EXPECT_CONTAINS(message, "exceeds the 2 bytes");
}

TEST(Safetensors, RejectsHeaderThatOverstatesTensorSize) {
  TempDir dir;
  std::string path = dir.file("lies.safetensors");
  // [2, 3] F32 needs 24 bytes; the offsets span 16.
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F32", "shape": [2, 3],
                                           "data_offsets": [0, 16]}})",
                                 std::vector<uint8_t>(24)));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "'w'");
  EXPECT_CONTAINS(message, "header lies");
  EXPECT_CONTAINS(message, "span 16 bytes");
  EXPECT_CONTAINS(message, "needs 24 bytes");
}

TEST(Safetensors, RejectsOffsetsOutsideTheDataSection) {
  TempDir dir;
  std::string path = dir.file("range.safetensors");
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "BF16", "shape": [4],
                                           "data_offsets": [8, 16]}})",
                                 std::vector<uint8_t>(12)));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "'w'");
  EXPECT_CONTAINS(message, "[8, 16] lie outside the data section of 12 bytes");

  std::string reversed = dir.file("reversed.safetensors");
  test::writeBytes(reversed, rawFile(R"({"w": {"dtype": "BF16", "shape": [0],
                                               "data_offsets": [4, 2]}})",
                                     std::vector<uint8_t>(8)));
  EXPECT_CONTAINS(loadError(reversed), "outside the data section");
}

TEST(Safetensors, RejectsUnsupportedDtypeNamingTensorAndDtype) {
  TempDir dir;
  std::string path = dir.file("int.safetensors");
  test::writeBytes(path, rawFile(R"({"ids": {"dtype": "I64", "shape": [1],
                                             "data_offsets": [0, 8]}})",
                                 std::vector<uint8_t>(8)));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "'ids'");
  EXPECT_CONTAINS(message, "'I64'");
  EXPECT_CONTAINS(message, "not supported");
  EXPECT_CONTAINS(message, "F8_E4M3");
}

TEST(Safetensors, RejectsDuplicateTensorNames) {
  TempDir dir;
  std::string path = dir.file("dup.safetensors");
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F32", "shape": [1],
                                     "data_offsets": [0, 4]},
                               "w": {"dtype": "F32", "shape": [1],
                                     "data_offsets": [4, 8]}})",
                                 std::vector<uint8_t>(8)));
  EXPECT_CONTAINS(loadError(path), "'w' appears more than once");

  // A name already in the store (e.g. from another file) is refused too.
  std::string one = dir.file("one.safetensors");
  test::writeBytes(one, rawFile(R"({"w": {"dtype": "F32", "shape": [1],
                                          "data_offsets": [0, 4]}})",
                                std::vector<uint8_t>(4)));
  WeightStore store;
  ASSERT_TRUE(loadSafetensors(one, store));
  Status again = loadSafetensors(one, store);
  ASSERT_FALSE(again);
  EXPECT_CONTAINS(again.message(), "already loaded");
}

TEST(Safetensors, RejectsMalformedHeaderJsonWithOffset) {
  TempDir dir;
  std::string path = dir.file("bad-json.safetensors");
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F32",}})", {}));
  std::string message = loadError(path);
  EXPECT_CONTAINS(message, "malformed JSON header at header byte");
  EXPECT_CONTAINS(message, "file offset");
}

TEST(Safetensors, RejectsMalformedEntries) {
  TempDir dir;
  std::string path = dir.file("shape.safetensors");
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F32", "shape": [-1],
                                           "data_offsets": [0, 4]}})",
                                 std::vector<uint8_t>(4)));
  EXPECT_CONTAINS(loadError(path), "non-negative integers");
  test::writeBytes(path, rawFile(R"({"w": {"dtype": "F32", "shape": [1]}})",
                                 std::vector<uint8_t>(4)));
  EXPECT_CONTAINS(loadError(path), "data_offsets");
}

/// Writes a two-shard checkpoint: shard 1 holds a, b; shard 2 holds c.
void writeShards(const TempDir &dir) {
  WeightStore first, second;
  ASSERT_TRUE(first.add(makeTensor("a", DType::BF16, {2}, {1, 2})));
  ASSERT_TRUE(first.add(makeTensor("b", DType::F32, {1}, {3})));
  ASSERT_TRUE(second.add(makeTensor("c", DType::F16, {2, 1}, {4, 5})));
  ASSERT_TRUE(
      writeSafetensors(dir.file("model-00001-of-00002.safetensors"), first));
  ASSERT_TRUE(
      writeSafetensors(dir.file("model-00002-of-00002.safetensors"), second));
}

TEST(SafetensorsIndex, LoadsEveryMappedTensorFromItsShard) {
  TempDir dir;
  writeShards(dir);
  std::string index = dir.file("model.safetensors.index.json");
  test::writeText(index, R"({"metadata": {"total_size": 14}, "weight_map": {
      "a": "model-00001-of-00002.safetensors",
      "b": "model-00001-of-00002.safetensors",
      "c": "model-00002-of-00002.safetensors"}})");
  WeightStore store;
  Status status = loadSafetensorsIndex(index, store);
  ASSERT_TRUE(status) << status.message();
  EXPECT_EQ(store.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(store.toFloat("a").value(), (std::vector<float>{1, 2}));
  EXPECT_EQ(store.toFloat("c").value(), (std::vector<float>{4, 5}));
  EXPECT_NE(store.find("a")->storage, store.find("c")->storage);
}

TEST(SafetensorsIndex, RejectsMissingShard) {
  TempDir dir;
  writeShards(dir);
  std::string index = dir.file("model.safetensors.index.json");
  test::writeText(index, R"({"weight_map": {
      "a": "model-00001-of-00002.safetensors",
      "z": "model-00003-of-00003.safetensors"}})");
  WeightStore store;
  Status status = loadSafetensorsIndex(index, store);
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), index);
  EXPECT_CONTAINS(status.message(), "model-00003-of-00003.safetensors");
  EXPECT_CONTAINS(status.message(), "cannot open");
  EXPECT_EQ(store.size(), 0u);
}

TEST(SafetensorsIndex, RejectsTensorAbsentFromItsShard) {
  TempDir dir;
  writeShards(dir);
  std::string index = dir.file("model.safetensors.index.json");
  // c lives in shard 2, but the index claims shard 1.
  test::writeText(index, R"({"weight_map": {
      "a": "model-00001-of-00002.safetensors",
      "c": "model-00001-of-00002.safetensors"}})");
  WeightStore store;
  Status status = loadSafetensorsIndex(index, store);
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "tensor 'c'");
  EXPECT_CONTAINS(status.message(), "does not contain it");
  EXPECT_EQ(store.size(), 0u);
}

TEST(SafetensorsIndex, RejectsIndexWithoutWeightMap) {
  TempDir dir;
  std::string index = dir.file("model.safetensors.index.json");
  test::writeText(index, R"({"metadata": {}})");
  WeightStore store;
  Status status = loadSafetensorsIndex(index, store);
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "'weight_map'");
}

TEST(Safetensors, RejectsOverlappingDataRanges) {
  TempDir dir;
  std::string path = dir.file("alias.safetensors");
  test::writeBytes(path, rawFile(R"({"a": {"dtype": "F32", "shape": [2],
                                           "data_offsets": [0, 8]},
                                     "b": {"dtype": "F32", "shape": [2],
                                           "data_offsets": [4, 12]}})",
                                 std::vector<uint8_t>(12)));
  EXPECT_CONTAINS(loadError(path), "the data of tensors 'a' and 'b' overlap");
}

TEST(Safetensors, RejectsADeeplyNestedHeaderBeforeParsingIt) {
  TempDir dir;
  std::string path = dir.file("deep.safetensors");
  test::writeBytes(path, rawFile(std::string(100000, '['), {}));
  EXPECT_CONTAINS(loadError(path), "JSON nests deeper than 128 levels");
}

TEST(SafetensorsIndex, RejectsShardNamesOutsideItsDirectory) {
  TempDir dir;
  writeShards(dir);
  std::string index = dir.file("sub/model.safetensors.index.json");
  for (const char *shard :
       {"../model-00001-of-00002.safetensors", "/dev/zero", "..", ""}) {
    test::writeText(index, std::string(R"({"weight_map": {"a": ")") + shard +
                               R"("}})");
    WeightStore store;
    Status status = loadSafetensorsIndex(index, store);
    ASSERT_FALSE(status) << shard;
    EXPECT_CONTAINS(status.message(),
                    "which is not a file name in the index's directory");
  }
}

TEST(SafetensorsIndex, RefusesAnIndexThatIsNotARegularFile) {
  TempDir dir;
  std::string index = dir.file("model.safetensors.index.json");
  std::filesystem::create_symlink("/dev/zero", index);
  WeightStore store;
  Status status = loadSafetensorsIndex(index, store);
  ASSERT_FALSE(status);
  EXPECT_CONTAINS(status.message(), "it is a character device, not a regular "
                                    "file");
}

} // namespace
} // namespace llmc
