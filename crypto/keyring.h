// Keyring: the instance's keys, kept in a file only its owner may read, and
// the keys derived from them with HKDF-SHA-256: one for the SQLCipher
// database, one for the blind index, one each for signing receipts and
// audit checkpoints. Deriving separate keys means the database key never
// lets anyone compute identifier digests and vice versa.
//
// File format (text): the line "consentd-keyring v1", a line
// "master <64 hex digits>", then any number of lines
// "database <N> <64 hex digits>" and "signing <N> <64 hex digits>", each
// kind numbered 2, 3, ... in order. Version 1 of both is derived from the
// master key; version N from its own line. The newest version is in use:
// the database is re-encrypted under a new database key by Rekey, and new
// receipts and checkpoints are signed with the newest signing key while
// older public keys still verify what they signed. The blind-index key is
// derived from the master key alone and has no versions: every stored
// digest is keyed by it, so a new one would make every refusal unreachable
// (the store refuses a keyring whose index key differs from the one it was
// created with).
//
// Thread-safety: immutable after construction; safe to share.
#ifndef CONSENTD_CRYPTO_KEYRING_H_
#define CONSENTD_CRYPTO_KEYRING_H_

#include <string>
#include <utility>
#include <vector>

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

  // The keys a keyring versions.
  enum class Kind { kDatabase, kSigning };

  // Appends a fresh random key of `kind` to the keyring file at `path`, as
  // the next version, and returns that version. The file is replaced
  // whole (written beside it with the same owner, synced, renamed), so a
  // crash leaves the old or the new keyring, never a torn one; a lock file
  // beside it keeps two AddKey from losing one's key. Errors: those of
  // Load; FAILED_PRECONDITION when the new file cannot be written or
  // another AddKey runs; RESOURCE_EXHAUSTED past kMaxVersions.
  static absl::StatusOr<int> AddKey(const std::string& path, Kind kind);

  // Versions of one kind a keyring holds at most.
  static constexpr int kMaxVersions = 32;
  // The largest keyring text read, from a file, a command or the
  // environment: room for every version of both kinds.
  static constexpr size_t kMaxTextSize = 8192;

  // A key and its version.
  struct Versioned {
    int version;
    SecretKey key;
  };

  // The newest database key, and every one, newest first.
  SecretKey DatabaseKey() const { return DatabaseKeys().front().key; }
  std::vector<Versioned> DatabaseKeys() const;

  SecretKey BlindIndexKey() const {
    return Derive(master_, "consentd/v1/blind-index");
  }
  // Names the blind-index key without revealing it (a key derived from it
  // for this alone), so a store can refuse a keyring whose index key
  // differs from the one it was created with.
  SecretKey BlindIndexFingerprint() const {
    return Derive(BlindIndexKey(), "consentd/v1/blind-index-fingerprint");
  }

  // Authenticates the erasure journal file (core/erasure_journal_file.h).
  // Unversioned, as the blind-index key: the journal outlives every
  // database key, and a restore must read all of it.
  SecretKey ErasureJournalKey() const {
    return Derive(master_, "consentd/v1/erasure-journal");
  }

  // The Ed25519 private keys (seeds) scrub receipts and audit checkpoints
  // are signed with: one per signing version, newest first. Never the same
  // for the two, so neither signature can stand for the other.
  std::vector<Versioned> ReceiptSigningSeeds() const;
  std::vector<Versioned> AuditSigningSeeds() const;
  SecretKey ReceiptSigningSeed() const {
    return ReceiptSigningSeeds().front().key;
  }
  SecretKey AuditSigningSeed() const { return AuditSigningSeeds().front().key; }

  // HKDF-SHA-256 of `key` with `label` as info.
  static SecretKey Derive(const SecretKey& key, absl::string_view label);

 private:
  Keyring(const SecretKey& master, std::vector<SecretKey> database,
          std::vector<SecretKey> signing)
      : master_(master),
        database_(std::move(database)),
        signing_(std::move(signing)) {}

  // Every version of a kind, newest first: the key `label` derives from
  // the master key (version 1), then from each line of `secrets`.
  std::vector<Versioned> Versions(const std::vector<SecretKey>& secrets,
                                  absl::string_view label) const;

  SecretKey master_;
  // The secrets of versions 2, 3, ... of each kind.
  std::vector<SecretKey> database_;
  std::vector<SecretKey> signing_;
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_KEYRING_H_
