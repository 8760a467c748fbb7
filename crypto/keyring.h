// Keyring: the instance's 32-byte master key, kept in a file only its owner
// may read, and the keys derived from it with HKDF-SHA-256: one for the
// SQLCipher database, one for the blind index, one for signing receipts.
// Deriving separate keys means the database key never lets anyone compute
// identifier digests and vice versa.
//
// File format (text): the line "consentd-keyring v1", then a line
// "master <64 hex digits>".
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CONSENTD_CRYPTO_KEYRING_H_
#define CONSENTD_CRYPTO_KEYRING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/secret_key.h"

namespace consentd::crypto {

class Keyring {
 public:
  // Reads a keyring. Errors: NOT_FOUND when there is no file;
  // FAILED_PRECONDITION when group or others may access it (it must be
  // 0600 or stricter) or it cannot be read; INVALID_ARGUMENT when it is not
  // a keyring.
  static absl::StatusOr<Keyring> Load(const std::string& path);

  // A keyring from its text (the file format), for a keyring handed over
  // by the environment or a key command; `source` names it in errors.
  // Errors: INVALID_ARGUMENT when it is not a keyring. The caller wipes
  // `text`.
  static absl::StatusOr<Keyring> Parse(absl::string_view text,
                                       absl::string_view source);

  // Writes a new keyring with a fresh random master key, mode 0600. Errors:
  // ALREADY_EXISTS when the file exists (a keyring is never overwritten);
  // FAILED_PRECONDITION when it cannot be written.
  static absl::StatusOr<Keyring> Create(const std::string& path);

  // Load, or Create when there is no file yet (the embedded default).
  static absl::StatusOr<Keyring> LoadOrCreate(const std::string& path);

  // HKDF-SHA-256 of the master key with `label` as info.
  SecretKey Derive(absl::string_view label) const;

  SecretKey DatabaseKey() const { return Derive("consentd/v1/database"); }
  SecretKey BlindIndexKey() const { return Derive("consentd/v1/blind-index"); }
  // The Ed25519 private key (seed) scrub receipts are signed with.
  SecretKey ReceiptSigningSeed() const {
    return Derive("consentd/v1/receipt-signing");
  }
  // The Ed25519 private key (seed) audit checkpoints are signed with: not
  // the receipts', so neither signature can stand for the other.
  SecretKey AuditSigningSeed() const {
    return Derive("consentd/v1/audit-signing");
  }

 private:
  explicit Keyring(const SecretKey& master) : master_(master) {}

  SecretKey master_;
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_KEYRING_H_
