// OpenSSL 3.0 deprecates the low-level SHA-256 calls in favour of EVP, but
// EVP cannot copy a digest state without a heap allocation (and a cleanse on
// free), which cost more than the digest itself on the check path. A
// SHA256_CTX is a plain struct: the key schedule is copied by value.
#define OPENSSL_SUPPRESS_DEPRECATED  // before any OpenSSL header

#include "crypto/blind_index.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>

namespace consentd::crypto {
namespace {

constexpr size_t kBlockSize = 64;  // SHA-256's block, HMAC's pad length

// Without a working SHA-256 there is no safe way to answer any request.
void Check(int ok) {
  if (ok != 1) std::abort();
}

SHA256_CTX PaddedState(const SecretKey& key, unsigned char pad) {
  std::array<unsigned char, kBlockSize> block;
  block.fill(pad);
  for (size_t i = 0; i < SecretKey::kSize; ++i) block[i] ^= key.data()[i];
  SHA256_CTX ctx;
  Check(SHA256_Init(&ctx));
  Check(SHA256_Update(&ctx, block.data(), block.size()));
  OPENSSL_cleanse(block.data(), block.size());
  return ctx;
}

}  // namespace

struct BlindIndex::KeySchedule {
  SHA256_CTX inner;
  SHA256_CTX outer;
};

BlindIndex::BlindIndex(const SecretKey& key)
    : schedule_(
          new KeySchedule{PaddedState(key, 0x36), PaddedState(key, 0x5c)}) {}

BlindIndex::~BlindIndex() {
  OPENSSL_cleanse(schedule_.get(), sizeof(KeySchedule));
}

Digest BlindIndex::Compute(consent::v1::IdentifierKind kind,
                           absl::string_view normalised) const {
  const unsigned char kind_byte = static_cast<unsigned char>(kind);
  Digest inner_hash;
  Digest out;
  SHA256_CTX ctx = schedule_->inner;
  Check(SHA256_Update(&ctx, &kind_byte, 1));
  Check(SHA256_Update(&ctx, normalised.data(), normalised.size()));
  Check(SHA256_Final(inner_hash.data(), &ctx));
  ctx = schedule_->outer;
  Check(SHA256_Update(&ctx, inner_hash.data(), inner_hash.size()));
  Check(SHA256_Final(out.data(), &ctx));
  return out;
}

}  // namespace consentd::crypto
