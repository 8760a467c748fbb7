// ConsentStore: consentd's durable storage as one backend, handed out by
// concern: facts, suppression lists, scrub receipts, data-subject requests,
// the erasure journal and the audit trail, which every write of the others
// appends to in its own transaction. Nothing above store/ speaks SQL; a second
// backend (PostgreSQL, SPEC §11) implements these interfaces and nothing
// else.
//
// Every interface it hands out shares one commit order: each write is one
// transaction, and a write that returned OK is durable and visible to every
// later read through any of them. A replica that applies the backend's
// commits in that order holds the same state. Each interface's header
// states its methods' contracts and errors (fact_store.h lists the errors
// every backend call may return).
//
// Thread-safety: implementations are safe to call from several threads.
// The references it returns live as long as the store.
#ifndef CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
#define CONSENTD_SERVICE_STORE_CONSENT_STORE_H_

#include <cstdint>
#include <string>

#include "crypto/digest.h"
#include "crypto/secret_key.h"
#include "service/store/audit_trail.h"
#include "service/store/erasure_journal.h"
#include "service/store/fact_store.h"
#include "service/store/list_store.h"
#include "service/store/receipt_store.h"
#include "service/store/request_store.h"

namespace consentd::store {

// What a backup holds, counted in the copy itself once it was written.
struct BackupContents {
  int64_t bytes = 0;
  int schema_version = 0;
  int64_t facts = 0;
  int64_t erasures = 0;
  int64_t requests = 0;
  int64_t lists = 0;
  int64_t receipts = 0;
  int64_t audit_entries = 0;
};

class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  virtual FactStore& facts() = 0;
  virtual ListStore& lists() = 0;
  virtual ReceiptStore& receipts() = 0;
  virtual RequestStore& requests() = 0;
  virtual ErasureJournal& erasure_journal() = 0;
  virtual AuditTrail& audit() = 0;

  // The schema version the store is at.
  virtual int schema_version() const = 0;

  // Re-encrypts the whole store from `current` (the key it is under) to
  // `next`, online: reads and writes of the store wait meanwhile (checks
  // answer from memory throughout). A store opened afterwards needs
  // `next`. Errors: RESOURCE_EXHAUSTED without room for the work;
  // UNAVAILABLE when readers kept it from starting (retry);
  // FAILED_PRECONDITION when it failed and the store is still under
  // `current`; DATA_LOSS when it failed and no key reads the store.
  virtual absl::Status Rekey(const crypto::SecretKey& current,
                             const crypto::SecretKey& next) = 0;

  // Writes a consistent copy of the whole store to the new file `path`,
  // online: reads and writes go on meanwhile (each waits at most for one
  // step of the copy), and the copy holds every write committed before the
  // call returns its last step. The copy is encrypted under `key`, which
  // must be the key the store is under (null only for a test store without
  // encryption), checked (quick_check) and synced with its directory.
  // Errors: ALREADY_EXISTS when `path` exists; RESOURCE_EXHAUSTED when the
  // disk is full; FAILED_PRECONDITION when it cannot be written or the copy
  // does not read back; then no file is left at `path`.
  virtual absl::StatusOr<BackupContents> Backup(
      const std::string& path, const crypto::SecretKey* key) = 0;

  // Binds the store to a blind-index key by its `fingerprint`: the first
  // call records it; later ones must name the same. FAILED_PRECONDITION
  // when another is recorded: digests under another key would find none
  // of the store's facts, so every refusal would be lost.
  virtual absl::Status BindIndexKey(const crypto::Digest& fingerprint) = 0;

  // Binds the store to the rules its identifiers were digested under (the
  // policy's e-mail normalisation and default region) by their
  // `fingerprint`, as BindIndexKey binds the key. FAILED_PRECONDITION when
  // others are recorded: the same e-mail address or national number would
  // digest to another person, and their refusals would be lost.
  virtual absl::Status BindIdentifierRules(
      const crypto::Digest& fingerprint) = 0;

  // Whether the store was kept with an erasure journal (named by the
  // `fingerprint` of the journal's key) before: if not, the erasures it
  // holds and a journal lacks are to be journalled; if so, such an erasure
  // means the journal lost lines. FAILED_PRECONDITION when it was kept with
  // another journal key.
  virtual absl::StatusOr<bool> KeptWithErasureJournal(
      const crypto::Digest& fingerprint) = 0;
  // Records that it is, once the journal holds every erasure of the store.
  virtual absl::Status BindErasureJournal(
      const crypto::Digest& fingerprint) = 0;
};

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_CONSENT_STORE_H_
