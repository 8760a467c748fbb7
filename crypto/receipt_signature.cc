#include "crypto/receipt_signature.h"

#include "crypto/ed25519.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace consentd::crypto {
namespace {

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

}  // namespace

ReceiptSigner::ReceiptSigner(const SecretKey& seed) : signer_(seed) {
  key_.set_public_key(signer_.public_key());
  key_.set_key_id(signer_.key_id());
}

void ReceiptSigner::Sign(consent::v1::ScrubReceipt& receipt) const {
  receipt.set_key_id(key_.key_id());
  receipt.set_signature(signer_.Sign(SignedBytes(receipt)));
}

absl::Status VerifyReceipt(const consent::v1::ScrubReceipt& receipt,
                           const consent::v1::ReceiptKey& key) {
  if (key.public_key().size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError("public key must be 32 bytes (Ed25519)");
  }
  if (receipt.signature().size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError("receipt has no Ed25519 signature");
  }
  if (receipt.key_id() != Ed25519KeyId(key.public_key())) {
    return absl::FailedPreconditionError(
        "receipt was signed with another key (key_id differs)");
  }
  if (!Ed25519Verify(key.public_key(), SignedBytes(receipt),
                     receipt.signature())) {
    return absl::DataLossError(
        "signature does not match: the receipt was altered");
  }
  return absl::OkStatus();
}

}  // namespace consentd::crypto
