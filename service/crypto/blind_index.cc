#include "service/crypto/blind_index.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdlib>

namespace consentd::crypto {
namespace {

constexpr size_t kBlockSize = 64;  // SHA-256's block, HMAC's pad length

// Without a working SHA-256 there is no safe way to answer any request.
void Check(int ok) {
  if (ok != 1) std::abort();
}

EVP_MD_CTX* PaddedState(const SecretKey& key, unsigned char pad) {
  std::array<unsigned char, kBlockSize> block;
  block.fill(pad);
  for (size_t i = 0; i < SecretKey::kSize; ++i) block[i] ^= key.data()[i];
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) std::abort();
  Check(EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr));
  Check(EVP_DigestUpdate(ctx, block.data(), block.size()));
  OPENSSL_cleanse(block.data(), block.size());
  return ctx;
}

// One digest context per thread, reused for every Compute: copying a state
// into a context that already holds SHA-256 reuses its buffer.
class ScratchContext {
 public:
  ScratchContext() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) std::abort();
  }
  ~ScratchContext() { EVP_MD_CTX_free(ctx_); }
  EVP_MD_CTX* get() const { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

BlindIndex::BlindIndex(const SecretKey& key)
    : inner_(PaddedState(key, 0x36)), outer_(PaddedState(key, 0x5c)) {}

BlindIndex::~BlindIndex() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

Digest BlindIndex::Compute(consent::v1::IdentifierKind kind,
                           absl::string_view normalised) const {
  thread_local ScratchContext scratch;
  EVP_MD_CTX* ctx = scratch.get();
  const unsigned char kind_byte = static_cast<unsigned char>(kind);
  Digest inner_hash;
  Digest out;
  Check(EVP_MD_CTX_copy_ex(ctx, inner_));
  Check(EVP_DigestUpdate(ctx, &kind_byte, 1));
  Check(EVP_DigestUpdate(ctx, normalised.data(), normalised.size()));
  Check(EVP_DigestFinal_ex(ctx, inner_hash.data(), nullptr));
  Check(EVP_MD_CTX_copy_ex(ctx, outer_));
  Check(EVP_DigestUpdate(ctx, inner_hash.data(), inner_hash.size()));
  Check(EVP_DigestFinal_ex(ctx, out.data(), nullptr));
  return out;
}

}  // namespace consentd::crypto
