// Sha256: incremental SHA-256 over OpenSSL's libcrypto: the compile cache's
// keys and entry checksums, and the digests that tie an engine directory's
// files to its manifest (written by the compiler, checked by the runtime).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX, kept out of this header

namespace llmc {

/// Feeds bytes in pieces; digest() finishes. Use each object for one digest.
class Sha256 {
public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256();
  ~Sha256();
  Sha256(const Sha256 &) = delete;
  Sha256 &operator=(const Sha256 &) = delete;

  void update(const void *data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// Feeds the length (8 bytes) and then the bytes, so consecutive fields can
  /// never run into each other ("ab"+"c" and "a"+"bc" hash differently).
  void updateField(std::string_view bytes);
  Digest digest();

  /// SHA-256 of `bytes` in one call.
  static Digest of(std::string_view bytes);
  /// Lower-case hex, 64 characters.
  static std::string hex(const Digest &digest);

private:
  ::evp_md_ctx_st *context_;
};

} // namespace llmc
