#include "crypto/receipt_signature.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "absl/strings/escaping.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace consentd::crypto {
namespace {

constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SignatureSize = 64;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The bytes a signature covers.
std::string SignedBytes(consent::v1::ScrubReceipt receipt) {
  receipt.clear_signature();
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  receipt.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

std::string KeyId(absl::string_view public_key) {
  unsigned char hash[SHA256_DIGEST_LENGTH];
  EVP_Digest(public_key.data(), public_key.size(), hash, nullptr, EVP_sha256(),
             nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(hash), 8));
}

}  // namespace

ReceiptSigner::ReceiptSigner(const SecretKey& seed) : seed_(seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(),
                                        seed_.size()));
  std::array<unsigned char, kEd25519KeySize> public_key;
  size_t length = public_key.size();
  // Ed25519 from a 32-byte seed cannot fail short of memory exhaustion.
  if (key == nullptr ||
      EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) != 1) {
    std::abort();
  }
  key_.set_public_key(
      std::string(reinterpret_cast<const char*>(public_key.data()), length));
  key_.set_key_id(KeyId(key_.public_key()));
}

void ReceiptSigner::Sign(consent::v1::ScrubReceipt& receipt) const {
  receipt.set_key_id(key_.key_id());
  const std::string message = SignedBytes(receipt);
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(),
                                        seed_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  std::array<unsigned char, kEd25519SignatureSize> signature;
  size_t length = signature.size();
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    std::abort();
  }
  receipt.set_signature(
      std::string(reinterpret_cast<const char*>(signature.data()), length));
}

absl::Status VerifyReceipt(const consent::v1::ScrubReceipt& receipt,
                           const consent::v1::ReceiptKey& key) {
  if (key.public_key().size() != kEd25519KeySize) {
    return absl::InvalidArgumentError("public key must be 32 bytes (Ed25519)");
  }
  if (receipt.signature().size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError("receipt has no Ed25519 signature");
  }
  if (receipt.key_id() != KeyId(key.public_key())) {
    return absl::FailedPreconditionError(
        "receipt was signed with another key (key_id differs)");
  }
  Pkey public_key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(key.public_key().data()),
      key.public_key().size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (public_key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                           public_key.get()) != 1) {
    return absl::InvalidArgumentError("public key is not an Ed25519 key");
  }
  const std::string message = SignedBytes(receipt);
  if (EVP_DigestVerify(
          ctx.get(),
          reinterpret_cast<const unsigned char*>(receipt.signature().data()),
          receipt.signature().size(),
          reinterpret_cast<const unsigned char*>(message.data()),
          message.size()) != 1) {
    return absl::DataLossError(
        "signature does not match: the receipt was altered");
  }
  return absl::OkStatus();
}

}  // namespace consentd::crypto
