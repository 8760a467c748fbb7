#include "crypto/ed25519.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace consentd::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

// The private key, parsed once: deriving the public key from the seed is
// most of what a signature costs.
struct Ed25519Signer::Key {
  Pkey pkey;
};

std::string Ed25519KeyId(absl::string_view public_key) {
  unsigned char hash[SHA256_DIGEST_LENGTH];
  EVP_Digest(public_key.data(), public_key.size(), hash, nullptr, EVP_sha256(),
             nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), 8));
}

Ed25519Signer::Ed25519Signer(const SecretKey& seed)
    : key_(new Key{Pkey(EVP_PKEY_new_raw_private_key(
          EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()))}) {
  std::array<unsigned char, kEd25519PublicKeySize> public_key;
  size_t length = public_key.size();
  // Ed25519 from a 32-byte seed cannot fail short of memory exhaustion.
  if (key_->pkey == nullptr ||
      EVP_PKEY_get_raw_public_key(key_->pkey.get(), public_key.data(),
                                  &length) != 1) {
    std::abort();
  }
  public_key_.assign(reinterpret_cast<const char*>(public_key.data()), length);
  key_id_ = Ed25519KeyId(public_key_);
}

Ed25519Signer::~Ed25519Signer() = default;

std::string Ed25519Signer::Sign(absl::string_view message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<unsigned char, kEd25519SignatureSize> signature;
  size_t length = signature.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length, Bytes(message),
                     message.size()) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(signature.data()), length);
}

bool Ed25519Verify(absl::string_view public_key, absl::string_view message,
                   absl::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize ||
      signature.size() != kEd25519SignatureSize) {
    return false;
  }
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       Bytes(public_key), public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  return key != nullptr && ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                              key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                          Bytes(message), message.size()) == 1;
}

}  // namespace consentd::crypto
