#include "crypto/checkpoint_signature.h"

#include <cstdint>
#include <string>

#include "crypto/digest.h"

namespace consentd::crypto {
namespace {

void AppendUint64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

std::string SignedBytes(const consent::v1::AuditCheckpoint& checkpoint) {
  std::string bytes = "consentd audit checkpoint v1";
  AppendUint64(static_cast<uint64_t>(checkpoint.sequence()), bytes);
  bytes.append(checkpoint.entry_hash());
  AppendUint64(static_cast<uint64_t>(checkpoint.at().seconds()), bytes);
  AppendUint64(static_cast<uint64_t>(checkpoint.at().nanos()), bytes);
  return bytes;
}

}  // namespace

void CheckpointSigner::Sign(consent::v1::AuditCheckpoint& checkpoint) const {
  checkpoint.set_key_id(signer_.key_id());
  checkpoint.set_public_key(signer_.public_key());
  checkpoint.set_signature(signer_.Sign(SignedBytes(checkpoint)));
}

absl::Status VerifyCheckpoint(const consent::v1::AuditCheckpoint& checkpoint,
                              absl::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError("public key must be 32 bytes (Ed25519)");
  }
  if (checkpoint.entry_hash().size() != sizeof(Digest)) {
    return absl::InvalidArgumentError("checkpoint hash must be 32 bytes");
  }
  if (checkpoint.signature().size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError("checkpoint has no Ed25519 signature");
  }
  if (checkpoint.key_id() != Ed25519KeyId(public_key)) {
    return absl::FailedPreconditionError(
        "checkpoint was signed with another key (key_id differs)");
  }
  if (!Ed25519Verify(public_key, SignedBytes(checkpoint),
                     checkpoint.signature())) {
    return absl::DataLossError(
        "signature does not match: the checkpoint was altered");
  }
  return absl::OkStatus();
}

}  // namespace consentd::crypto
