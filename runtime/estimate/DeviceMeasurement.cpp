// The per-device measurement cache: JSON form, file names, reading, writing.
#include "runtime/estimate/DeviceMeasurement.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace llmc {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kFormatVersion = 1;

Status fieldError(const std::string &source, const std::string &field,
                  const std::string &problem) {
  return Status::error(source + ": field '" + field + "' " + problem);
}

} // namespace

DeviceCeilings DeviceMeasurement::ceilings(const std::string &path) const {
  return {device, copyBandwidthBytesPerSecond, matrixFlopsPerSecond,
          "measured (" + path + ")"};
}

json toJson(const DeviceMeasurement &m) {
  return {{"format", kFormatVersion},
          {"device", m.device},
          {"arch", m.arch},
          {"copy_bandwidth_bytes_per_second", m.copyBandwidthBytesPerSecond},
          {"bf16_matrix_flops_per_second", m.matrixFlopsPerSecond},
          {"matrix_kernel", m.matrixKernel},
          {"measured_at", m.measuredAt}};
}

StatusOr<DeviceMeasurement>
deviceMeasurementFromJson(const json &j, const std::string &source) {
  if (!j.is_object())
    return Status::error(source + ": expected a JSON object");
  auto string = [&](const char *field, std::string &out) -> Status {
    auto it = j.find(field);
    if (it == j.end())
      return fieldError(source, field, "is missing");
    if (!it->is_string())
      return fieldError(source, field, "must be a string");
    out = it->get<std::string>();
    return Status::ok();
  };
  auto rate = [&](const char *field, double &out) -> Status {
    auto it = j.find(field);
    if (it == j.end())
      return fieldError(source, field, "is missing");
    if (!it->is_number())
      return fieldError(source, field, "must be a number");
    out = it->get<double>();
    if (!(out > 0))
      return fieldError(source, field, "must be positive, got " + it->dump());
    return Status::ok();
  };
  auto format = j.find("format");
  if (format == j.end() || !format->is_number_integer() ||
      format->get<int>() != kFormatVersion)
    return fieldError(source, "format",
                      "must be " + std::to_string(kFormatVersion));
  DeviceMeasurement m;
  LLMC_RETURN_IF_ERROR(string("device", m.device));
  LLMC_RETURN_IF_ERROR(string("arch", m.arch));
  LLMC_RETURN_IF_ERROR(
      rate("copy_bandwidth_bytes_per_second", m.copyBandwidthBytesPerSecond));
  LLMC_RETURN_IF_ERROR(
      rate("bf16_matrix_flops_per_second", m.matrixFlopsPerSecond));
  LLMC_RETURN_IF_ERROR(string("matrix_kernel", m.matrixKernel));
  LLMC_RETURN_IF_ERROR(string("measured_at", m.measuredAt));
  return m;
}

StatusOr<std::string> measurementCacheDirectory() {
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/llmc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/llmc";
  return Status::error("neither XDG_CACHE_HOME nor HOME is set: no place for "
                       "the device measurement cache");
}

std::string measurementFileName(const std::string &deviceName) {
  std::string name = deviceName;
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
      c = '-';
  return "device-" + name + ".json";
}

std::vector<std::string> cachedMeasurementFiles(const std::string &directory) {
  std::vector<std::string> files;
  std::error_code error;
  for (const fs::directory_entry &entry :
       fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("device-", 0) == 0 &&
        entry.path().extension() == ".json")
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

StatusOr<DeviceMeasurement> readDeviceMeasurement(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    return Status::error("cannot read device measurement " + path);
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::error(path + ": not valid JSON");
  return deviceMeasurementFromJson(j, path);
}

Status writeDeviceMeasurement(const std::string &path,
                              const DeviceMeasurement &measurement) {
  std::error_code error;
  const fs::path target(path);
  if (target.has_parent_path())
    fs::create_directories(target.parent_path(), error);
  if (error)
    return Status::error("cannot create " + target.parent_path().string() +
                         ": " + error.message());
  // A reader never sees a half-written file: write beside it, then rename.
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary);
    out << toJson(measurement).dump(2) << "\n";
    if (!out.flush())
      return Status::error("cannot write " + temporary);
  }
  fs::rename(temporary, target, error);
  if (error) {
    std::remove(temporary.c_str());
    return Status::error("cannot rename " + temporary + " to " + path + ": " +
                         error.message());
  }
  return Status::ok();
}

} // namespace llmc
