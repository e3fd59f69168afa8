// SHA-256 through libcrypto's EVP interface (the low-level SHA256_* functions
// are deprecated in OpenSSL 3).
#include "runtime/support/Sha256.h"

#include <openssl/evp.h>

namespace llmc {

// EVP_DigestInit_ex and friends only fail when the context cannot be allocated
// or the provider is unusable, neither of which a caller could recover from;
// their results are therefore not threaded through Status.
Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(context_, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

void Sha256::update(const void *data, std::size_t size) {
  EVP_DigestUpdate(context_, data, size);
}

void Sha256::updateField(std::string_view bytes) {
  std::uint64_t size = bytes.size();
  std::uint8_t encoded[8];
  for (int i = 0; i < 8; ++i)
    encoded[i] = std::uint8_t(size >> (8 * i)); // little-endian everywhere
  update(encoded, sizeof(encoded));
  update(bytes);
}

Sha256::Digest Sha256::digest() {
  Digest digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_, digest.data(), &size);
  return digest;
}

Sha256::Digest Sha256::of(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.digest();
}

std::string Sha256::hex(const Digest &digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * digest.size());
  for (std::uint8_t byte : digest) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 15]);
  }
  return text;
}

} // namespace llmc
