#include "service/crypto/blind_index.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>

namespace consentd::crypto {

BlindIndex::BlindIndex(const SecretKey& key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_ = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  // Without a working HMAC there is no safe way to answer any request.
  if (keyed_ == nullptr ||
      EVP_MAC_init(keyed_, key.data(), key.size(), params) != 1) {
    std::abort();
  }
}

BlindIndex::~BlindIndex() { EVP_MAC_CTX_free(keyed_); }

Digest BlindIndex::Compute(consent::v1::IdentifierKind kind,
                           absl::string_view normalised) const {
  Digest out;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_);
  const unsigned char kind_byte = static_cast<unsigned char>(kind);
  size_t length = 0;
  if (ctx == nullptr || EVP_MAC_update(ctx, &kind_byte, 1) != 1 ||
      EVP_MAC_update(ctx,
                     reinterpret_cast<const unsigned char*>(normalised.data()),
                     normalised.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &length, out.size()) != 1 ||
      length != out.size()) {
    std::abort();
  }
  EVP_MAC_CTX_free(ctx);
  return out;
}

}  // namespace consentd::crypto
