// WeightLayout validation and its JSON form inside manifest.json.
#include "runtime/engine/WeightLayout.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace llmc {

using nlohmann::json;

const PackedTensor *WeightLayout::find(const std::string &name) const {
  for (const PackedTensor &t : tensors)
    if (t.name == name)
      return &t;
  return nullptr;
}

/// The element count of a shape of positive dims, or -1 when it passes 2^62
/// (a hostile manifest's shape must not overflow).
static int64_t elementsOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n) || n > (int64_t(1) << 62))
      return -1;
  return n;
}

Status WeightLayout::validate() const {
  std::vector<const PackedTensor *> byOffset;
  for (const PackedTensor &t : tensors) {
    const std::string what = "packed weight '" + t.name + "'";
    if (t.shape.empty() || std::any_of(t.shape.begin(), t.shape.end(),
                                       [](int64_t d) { return d <= 0; }))
      return Status::error(what + " has an invalid shape " +
                           shapeToString(t.shape));
    if (t.offset % kAlignment != 0)
      return Status::error(what + " starts at offset " +
                           std::to_string(t.offset) + ", not a multiple of " +
                           std::to_string(kAlignment));
    const int64_t elements = elementsOf(t.shape);
    if (elements < 0)
      return Status::error(what + " has a shape of more than 2^62 elements");
    uint64_t expected = uint64_t(elements) * dtypeSize(t.dtype);
    if (t.bytes != expected)
      return Status::error(what + " has " + std::to_string(t.bytes) +
                           " bytes but its shape " + shapeToString(t.shape) +
                           " needs " + std::to_string(expected));
    if (t.offset > totalBytes || t.bytes > totalBytes - t.offset)
      return Status::error(what + " ends at byte " +
                           std::to_string(t.offset + t.bytes) +
                           ", past the end of weights.bin (" +
                           std::to_string(totalBytes) + " bytes)");
    if (t.sources.empty())
      return Status::error(what + " has no sources");
    int64_t rows = 0;
    for (const WeightSource &s : t.sources)
      if (s.rows < 0 || __builtin_add_overflow(rows, s.rows, &rows))
        return Status::error(what + " has a source of " +
                             std::to_string(s.rows) + " rows");
    if (rows != t.shape[0])
      return Status::error(what + " has " + std::to_string(t.shape[0]) +
                           " rows but its sources provide " +
                           std::to_string(rows));
    if (t.interleaveRows && std::any_of(t.sources.begin(), t.sources.end(),
                                        [&](const WeightSource &s) {
                                          return s.rows !=
                                                 t.sources.front().rows;
                                        }))
      return Status::error(what +
                           " interleaves sources of different row counts");
    byOffset.push_back(&t);
  }
  std::sort(byOffset.begin(), byOffset.end(),
            [](auto *a, auto *b) { return a->offset < b->offset; });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i - 1]->offset + byOffset[i - 1]->bytes > byOffset[i]->offset)
      return Status::error("packed weights '" + byOffset[i - 1]->name +
                           "' and '" + byOffset[i]->name + "' overlap");
  return Status::ok();
}

static json specToJson(const SyntheticSpec &spec) {
  json j;
  if (spec.kind == SyntheticSpec::Kind::Constant) {
    j["kind"] = "constant";
    j["value"] = spec.constant;
  } else {
    j["kind"] = "normal";
    j["seed"] = spec.seed;
    j["mean"] = spec.mean;
    j["stddev"] = spec.stddev;
  }
  return j;
}

json toJson(const WeightLayout &layout) {
  json tensors = json::array();
  for (const PackedTensor &t : layout.tensors) {
    json sources = json::array();
    for (const WeightSource &s : t.sources) {
      json js = {{"name", s.name}, {"rows", s.rows}};
      if (s.isSynthetic)
        js["synthetic"] = specToJson(s.synthetic);
      sources.push_back(std::move(js));
    }
    tensors.push_back({{"name", t.name},
                       {"shape", t.shape},
                       {"dtype", dtypeName(t.dtype)},
                       {"offset", t.offset},
                       {"bytes", t.bytes},
                       {"interleave_rows", t.interleaveRows},
                       {"sources", std::move(sources)}});
  }
  return {{"alignment", WeightLayout::kAlignment},
          {"total_bytes", layout.totalBytes},
          {"tensors", std::move(tensors)}};
}

static StatusOr<DType> dtypeFromName(const std::string &name) {
  for (DType d : {DType::F32, DType::F16, DType::BF16})
    if (name == dtypeName(d))
      return d;
  return Status::error("unknown dtype '" + name + "'");
}

static StatusOr<SyntheticSpec> specFromJson(const json &j) {
  SyntheticSpec spec;
  std::string kind = j.at("kind").get<std::string>();
  if (kind == "constant") {
    spec.kind = SyntheticSpec::Kind::Constant;
    spec.constant = j.at("value").get<float>();
  } else if (kind == "normal") {
    spec.seed = j.at("seed").get<uint64_t>();
    spec.mean = j.at("mean").get<float>();
    spec.stddev = j.at("stddev").get<float>();
  } else {
    return Status::error("unknown synthetic kind '" + kind + "'");
  }
  return spec;
}

static StatusOr<WeightLayout> parseLayout(const json &j) {
  WeightLayout layout;
  if (j.at("alignment").get<uint64_t>() != WeightLayout::kAlignment)
    return Status::error(
        "weight alignment " + j.at("alignment").dump() + " is not the " +
        std::to_string(WeightLayout::kAlignment) + " this runtime reads");
  layout.totalBytes = j.at("total_bytes").get<uint64_t>();
  for (const json &jt : j.at("tensors")) {
    PackedTensor t;
    t.name = jt.at("name").get<std::string>();
    t.shape = jt.at("shape").get<std::vector<int64_t>>();
    LLMC_ASSIGN_OR_RETURN(t.dtype,
                          dtypeFromName(jt.at("dtype").get<std::string>()));
    t.offset = jt.at("offset").get<uint64_t>();
    t.bytes = jt.at("bytes").get<uint64_t>();
    t.interleaveRows = jt.at("interleave_rows").get<bool>();
    for (const json &js : jt.at("sources")) {
      WeightSource s;
      s.name = js.at("name").get<std::string>();
      s.rows = js.at("rows").get<int64_t>();
      if (js.contains("synthetic")) {
        s.isSynthetic = true;
        LLMC_ASSIGN_OR_RETURN(s.synthetic, specFromJson(js.at("synthetic")));
      }
      t.sources.push_back(std::move(s));
    }
    layout.tensors.push_back(std::move(t));
  }
  return layout;
}

StatusOr<WeightLayout> weightLayoutFromJson(const json &j,
                                            const std::string &source) {
  StatusOr<WeightLayout> layout = Status::error("");
  try {
    layout = parseLayout(j);
  } catch (const json::exception &e) {
    return Status::error(source + ": malformed weight layout: " + e.what());
  }
  if (!layout.isOk())
    return layout.status().withContext(source);
  LLMC_RETURN_IF_ERROR(layout->validate().withContext(source));
  return layout;
}

} // namespace llmc
