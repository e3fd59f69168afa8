// The manifest's model config survives a JSON round trip, and a damaged one is
// refused with the file and field named.
#include "runtime/engine/ModelConfigJson.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace llmc;

namespace {

ModelConfig llama31Like() {
  ModelConfig c;
  c.name = "llama-3.1-8b";
  c.architecture = "LlamaForCausalLM";
  c.dim = 4096;
  c.numLayers = 32;
  c.numHeads = 32;
  c.numKvHeads = 8;
  c.headDim = 128;
  c.ffnDim = 14336;
  c.vocabSize = 128256;
  c.maxSeqLen = 131072;
  c.ropeTheta = 500000;
  c.ropeScaling.kind = RopeScaling::Kind::Llama3;
  c.ropeScaling.factor = 8;
  c.bosTokenId = 128000;
  c.eosTokenId = 128001;
  c.eosTokenIds = {128001, 128008, 128009};
  return c;
}

TEST(ModelConfigJson, RoundTripKeepsEveryField) {
  ModelConfig c = llama31Like();
  auto parsed = modelConfigFromJson(toJson(c), "manifest.json");
  ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
  EXPECT_EQ(toJson(*parsed), toJson(c));
  EXPECT_EQ(parsed->eosTokenId, 128001);
  EXPECT_EQ(parsed->ropeScaling.kind, RopeScaling::Kind::Llama3);
  EXPECT_EQ(parsed->numKvHeads, 8);
}

TEST(ModelConfigJson, MissingFieldNamesFileAndField) {
  nlohmann::json j = toJson(llama31Like());
  j.erase("num_kv_heads");
  auto parsed = modelConfigFromJson(j, "e.llmc/manifest.json");
  ASSERT_FALSE(parsed.isOk());
  EXPECT_NE(parsed.status().message().find("e.llmc/manifest.json"),
            std::string::npos);
  EXPECT_NE(parsed.status().message().find("num_kv_heads"), std::string::npos)
      << parsed.status().message();
}

TEST(ModelConfigJson, RefusesUnknownRopeStyle) {
  nlohmann::json j = toJson(llama31Like());
  j["rope_style"] = "diagonal";
  auto parsed = modelConfigFromJson(j, "manifest.json");
  ASSERT_FALSE(parsed.isOk());
  EXPECT_NE(parsed.status().message().find("unknown rope_style 'diagonal'"),
            std::string::npos);
}

TEST(ModelConfigJson, RefusesInconsistentDimensions) {
  nlohmann::json j = toJson(llama31Like());
  j["num_kv_heads"] = 5; // 32 query heads cannot share 5 kv heads
  auto parsed = modelConfigFromJson(j, "manifest.json");
  ASSERT_FALSE(parsed.isOk());
}

} // namespace
