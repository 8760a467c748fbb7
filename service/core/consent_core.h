// ConsentCore: one consentd data directory, opened and ready to serve.
// Loads the keyring, derives its keys, opens the store with the newest
// database key that reads it, migrates it and binds it to the blind-index
// key, checks its audit trail against the anchor (AuditNotary), compiles
// the policy and rebuilds the in-memory fact index and suppression lists;
// then hands out the ledger (writes), the list registry (suppression
// lists), the request desk (data-subject requests), the checker
// (decisions), the scrubber and the audit trail, and rekeys the store.
//
// Thread-safety: the accessors return objects that are safe for concurrent
// use; ConsentCore is immutable after Open but for the database key version
// Rekey changes.
#ifndef CONSENTD_SERVICE_CORE_CONSENT_CORE_H_
#define CONSENTD_SERVICE_CORE_CONSENT_CORE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "access/caller.h"
#include "consent/v1/admin.pb.h"
#include "crypto/blind_index.h"
#include "crypto/checkpoint_signature.h"
#include "crypto/keyring.h"
#include "identifiers/identifier_normaliser.h"
#include "policy/policy_model.h"
#include "service/core/audit_notary.h"
#include "service/core/clock.h"
#include "service/core/consent_ledger.h"
#include "service/core/contact_checker.h"
#include "service/core/erasure_journal_file.h"
#include "service/core/erasure_replay.h"
#include "service/core/fact_index.h"
#include "service/core/identifier_resolver.h"
#include "service/core/list_registry.h"
#include "service/core/live_policy.h"
#include "service/core/request_desk.h"
#include "service/core/scrubber.h"
#include "service/core/subject_export.h"
#include "service/core/suppression_lists.h"
#include "service/core/worker_pool.h"
#include "service/store/consent_store.h"

namespace consentd::core {

struct CoreOptions {
  // Holds the store (consentd.db) and, by default, the keyring. Created
  // (mode 0700) when absent.
  std::string data_dir;
  // Defaults to <data_dir>/keyring.
  std::string keyring_path;
  // The keyring's text itself (from the environment or a key command);
  // when set, keyring_path is not read. Wiped once parsed.
  std::string keyring_text;
  // Generate a keyring when there is none (development only). Otherwise a
  // missing keyring is an error.
  bool create_keyring = false;
  // Create the store when the data directory has none. Off, a missing store
  // is an error: a mistyped --data-dir must not start an empty store that
  // answers ALLOW.
  bool create_store = true;
  // Text-format consent.v1.Policy.
  std::string policy_text;
  // Completing an erasure and dropping a suppression list take a second
  // principal (four eyes).
  bool require_second_officer = true;
  // Data-subject requests open at once.
  int max_open_requests = kMaxOpenRequests;
  // The audit anchor file (audit_anchor.h); defaults to
  // <data_dir>/audit-anchor. Keep it off the data directory's volume where
  // possible: a copy of the directory rolled back whole rolls it back too.
  std::string audit_anchor_path;
  // Accept a store that does not match its audit anchor (a deliberate
  // restore), auditing the fact.
  bool audit_reanchor = false;
  // The erasure journal file (erasure_journal_file.h); defaults to
  // <data_dir>/erasure-journal. Keep it where restoring the data directory
  // does not roll it back: it is what re-applies later erasures.
  std::string erasure_journal_path;
  // Accept an erasure journal that lacks erasures the store holds (it was
  // lost), rebuilding it from the store (ReconcileErasures).
  bool erasure_journal_rebuild = false;
  // Where Backup writes; defaults to <data_dir>/backups.
  std::string backup_dir;
  // A backup file (with its manifest beside it) to put in place of the
  // store before opening it: the store's files move to
  // <data_dir>/before-restore-<time>, the backup's manifest is checked
  // (size, SHA-256, key version), the audit trail is re-anchored, and every
  // journalled erasure the backup lacks is carried out again.
  std::string restore_from;
  absl::Duration audit_checkpoint_interval = absl::Minutes(1);
  // Tests only: a store without encryption, so a test can scan its raw
  // bytes for plaintext. consentd never sets it.
  bool unencrypted_store_for_testing = false;
  Clock clock = SystemClock();
};

class ConsentCore {
 public:
  // Errors: INVALID_ARGUMENT for a bad policy; NOT_FOUND for a missing
  // keyring (without create_keyring); FAILED_PRECONDITION for a keyring
  // others may read, a wrong key, a file that is no consentd store, a
  // policy whose e-mail normalisation or default region differs from the
  // store's (ConsentStore::BindIdentifierRules), a store in use, a store older
  // than or different from its audit anchor (AuditNotary::Open); DATA_LOSS for
  // an audit trail that does not verify; whatever the store reports otherwise.
  // With restore_from also: NOT_FOUND without the backup or its manifest;
  // DATA_LOSS for a backup its manifest does not describe;
  // FAILED_PRECONDITION when the keyring lacks the key it needs.
  static absl::StatusOr<std::unique_ptr<ConsentCore>> Open(CoreOptions options);

  ConsentLedger& ledger() { return *ledger_; }
  ListRegistry& list_registry() { return *list_registry_; }
  RequestDesk& request_desk() { return *request_desk_; }
  const ContactChecker& checker() const { return *checker_; }
  const Scrubber& scrubber() const { return *scrubber_; }
  // The policy in force (LivePolicy::Current).
  PolicySnapshot policy() const { return policy_->Current(); }

  // Puts the text-format consent.v1.Policy `text` in force from the next
  // call on, for `caller`, once audited ("policy.replaced", naming both
  // versions and the new rules' SHA-256); returns its version. A policy
  // that says what the one in force says changes nothing and is not
  // audited. Errors, with the policy in force kept: INVALID_ARGUMENT for a
  // policy that does not validate, or a version that named other rules
  // before; FAILED_PRECONDITION for one that changes what names stored
  // records (PolicyModel::CanBeReplacedBy); the audit trail's error.
  absl::StatusOr<std::string> ReplacePolicy(const access::Caller& caller,
                                            absl::string_view text);
  const FactIndex& index() const { return index_; }

  // Re-encrypts the store, online, under the database key `version` of the
  // keyring consentd started with (0 = its newest), for `caller` (audited
  // as "keys.rekeyed"). Rekeying to the version in use answers at once.
  // Errors: NOT_FOUND for a version the keyring lacks (add it, restart,
  // then rekey); FAILED_PRECONDITION for a version older than the one in
  // use (back onto a key being retired), an unencrypted test store, or a
  // rekey that failed with the store still under its old key;
  // RESOURCE_EXHAUSTED without room for it; DATA_LOSS when it failed and no
  // key reads the store (ConsentStore::Rekey).
  absl::StatusOr<consent::v1::RekeyResponse> Rekey(const access::Caller& caller,
                                                   int version)
      ABSL_LOCKS_EXCLUDED(rekey_mu_);
  // Writes an online backup of the store, and its manifest, as
  // `file_name` in the backup directory (store_backup.h), for `caller`
  // (audited as "store.backed_up"). Waits for a rekey in progress. Errors:
  // those of WriteBackup.
  absl::StatusOr<consent::v1::BackupResponse> Backup(
      const access::Caller& caller, const std::string& file_name)
      ABSL_LOCKS_EXCLUDED(rekey_mu_);

  // What start-up did to bring the store and the erasure journal into
  // agreement (erasure_replay.h), and where a restore moved the store's
  // files before (empty without one).
  const ErasureReconciliation& erasure_reconciliation() const {
    return erasure_reconciliation_;
  }
  const std::string& restored_aside_dir() const { return restored_aside_dir_; }

  // The size of the store's files (database and write-ahead log), in
  // bytes; -1 when they cannot be measured.
  int64_t StoreBytes() const;
  // When this process last wrote a backup, if it has. Never waits for a
  // backup or rekey in progress.
  std::optional<absl::Time> last_backup() const;

  // The database key version the store is encrypted under.
  int database_key_version() const { return database_key_version_.load(); }
  // The keyring's newest database key version, and signing key version.
  int newest_database_key_version() const {
    return database_keys_.front().version;
  }
  int signing_key_version() const { return signing_key_version_; }
  store::AuditTrail& audit_trail() { return store_->audit(); }
  AuditNotary& audit_notary() { return *audit_notary_; }
  const SuppressionLists& lists() const { return lists_; }
  int schema_version() const { return store_->schema_version(); }

 private:
  ConsentCore() = default;

  Clock clock_;
  // The keyring's database keys, newest first, for Rekey; the master key
  // itself is not kept once the keys are derived.
  std::vector<crypto::Keyring::Versioned> database_keys_;
  int signing_key_version_ = 0;
  bool unencrypted_ = false;
  std::unique_ptr<LivePolicy> policy_;
  std::unique_ptr<const identifiers::IdentifierNormaliser> normaliser_;
  std::unique_ptr<const crypto::BlindIndex> blind_index_;
  std::unique_ptr<const IdentifierResolver> resolver_;
  std::unique_ptr<store::ConsentStore> store_;
  std::unique_ptr<ErasureJournalFile> erasure_journal_;
  std::string backup_dir_;
  ErasureReconciliation erasure_reconciliation_;
  std::string restored_aside_dir_;
  std::string store_path_;
  // Microseconds since the epoch; 0: none since start.
  std::atomic<int64_t> last_backup_us_ = 0;
  std::unique_ptr<const crypto::CheckpointSigner> audit_signer_;
  // After the store and before every writer: the writers' last commits,
  // as they are destroyed, are still witnessed.
  std::unique_ptr<AuditNotary> audit_notary_;
  FactIndex index_;
  SuppressionLists lists_;
  std::unique_ptr<ConsentLedger> ledger_;
  std::unique_ptr<ListRegistry> list_registry_;
  std::unique_ptr<const SubjectExporter> exporter_;
  std::unique_ptr<RequestDesk> request_desk_;
  std::unique_ptr<const ContactChecker> checker_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<const Scrubber> scrubber_;

  // One rekey or backup at a time; the version is read without it
  // (GetStatus answers inline, and must not wait for a rekey).
  absl::Mutex rekey_mu_;
  std::atomic<int> database_key_version_ = 0;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_CONSENT_CORE_H_
