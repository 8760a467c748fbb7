#include "service/core/consent_core.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "crypto/keyring.h"
#include "crypto/sha256.h"
#include "service/core/audit_draft.h"
#include "service/core/store_backup.h"
#include "service/store/sqlcipher_store.h"

namespace consentd::core {
namespace {

// A cap on the scrub workers for machines with many cores (16 threads with
// the stream's own); a guess, not a tuned figure.
constexpr int kMaxWorkers = 15;

absl::Status EnsureDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return absl::OkStatus();
    }
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", path, " is not a directory"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("data directory ", path, ": ", std::strerror(errno)));
}

// A fingerprint key's bytes as the digest a store keeps.
crypto::Digest DigestOf(const crypto::SecretKey& fingerprint) {
  crypto::Digest digest;
  std::copy(fingerprint.data(), fingerprint.data() + fingerprint.size(),
            digest.begin());
  return digest;
}

// Puts the backup options.restore_from in place of the store at
// `store_path` once its manifest checks out; returns where the store's
// files went.
absl::StatusOr<std::string> RestoreStore(
    const CoreOptions& options,
    const std::vector<crypto::Keyring::Versioned>& database_keys,
    const std::string& store_path) {
  ASSIGN_OR_RETURN(consent::v1::BackupManifest manifest,
                   ReadVerifiedManifest(options.restore_from));
  std::vector<const crypto::SecretKey*> keys;
  for (const crypto::Keyring::Versioned& key : database_keys) {
    if (key.version == manifest.database_key_version()) {
      keys.push_back(options.unencrypted_store_for_testing ? nullptr
                                                           : &key.key);
    }
  }
  if (keys.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "restore: the backup is encrypted under database key version ",
        manifest.database_key_version(),
        ", which this keyring does not hold (use the keyring of then)"));
  }
  const std::string aside = absl::StrCat(
      options.data_dir, "/before-restore-",
      absl::FormatTime("%Y%m%dT%H%M%SZ", options.clock(), absl::UTCTimeZone()));
  RETURN_IF_ERROR(store::SqlcipherStore::Restore(options.restore_from,
                                                 store_path, keys, aside)
                      .status());
  return aside;
}

// What makes an identifier's digest besides the blind-index key: the
// policy's e-mail normalisation and the region a national-format number is
// read in.
crypto::Digest IdentifierRulesFingerprint(const policy::PolicyModel& policy) {
  return crypto::Sha256(
      absl::StrCat("consentd/v1/identifier-rules lowercase_local_part=",
                   policy.email().lowercase_local_part(),
                   " strip_plus_tag=", policy.email().strip_plus_tag(),
                   " default_region=", policy.default_region()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConsentCore>> ConsentCore::Open(
    CoreOptions options) {
  std::unique_ptr<ConsentCore> core(new ConsentCore());
  core->clock_ = options.clock;
  ASSIGN_OR_RETURN(policy::PolicyModel policy,
                   policy::PolicyModel::FromTextProto(options.policy_text));
  core->policy_ = std::make_unique<LivePolicy>(std::move(policy));

  RETURN_IF_ERROR(EnsureDirectory(options.data_dir));
  const std::string keyring_path = options.keyring_path.empty()
                                       ? options.data_dir + "/keyring"
                                       : options.keyring_path;
  absl::StatusOr<crypto::Keyring> loaded =
      !options.keyring_text.empty()
          ? crypto::Keyring::Parse(options.keyring_text, "the given keyring")
      : options.create_keyring ? crypto::Keyring::LoadOrCreate(keyring_path)
                               : crypto::Keyring::Load(keyring_path);
  OPENSSL_cleanse(options.keyring_text.data(), options.keyring_text.size());
  ASSIGN_OR_RETURN(crypto::Keyring keyring, std::move(loaded));
  const crypto::Keyring& keys = keyring;
  core->database_keys_ = keys.DatabaseKeys();
  core->signing_key_version_ = keys.AuditSigningSeeds().front().version;
  core->unencrypted_ = options.unencrypted_store_for_testing;

  const std::string store_path = options.data_dir + "/consentd.db";
  core->store_path_ = store_path;
  const std::vector<crypto::Keyring::Versioned> database_keys =
      keys.DatabaseKeys();
  if (!options.restore_from.empty()) {
    ASSIGN_OR_RETURN(core->restored_aside_dir_,
                     RestoreStore(options, database_keys, store_path));
    options.audit_reanchor = true;
  }
  if (!options.create_store && ::access(store_path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(
        "no store at ", store_path,
        "; start once with --init to create it (is --data-dir right?)"));
  }
  if (options.unencrypted_store_for_testing) {
    ASSIGN_OR_RETURN(
        core->store_,
        store::SqlcipherStore::OpenUnencryptedForTesting(store_path));
    core->database_key_version_ = database_keys.front().version;
  } else {
    std::vector<crypto::SecretKey> newest_first;
    for (const crypto::Keyring::Versioned& key : database_keys) {
      newest_first.push_back(key.key);
    }
    ASSIGN_OR_RETURN(std::unique_ptr<store::SqlcipherStore> opened,
                     store::SqlcipherStore::Open(store_path, newest_first));
    core->database_key_version_ = database_keys[opened->key_index()].version;
    core->store_ = std::move(opened);
  }
  RETURN_IF_ERROR(
      core->store_->BindIndexKey(DigestOf(keys.BlindIndexFingerprint())));
  RETURN_IF_ERROR(core->store_->BindIdentifierRules(
      IdentifierRulesFingerprint(*core->policy())));
  core->audit_signer_ =
      std::make_unique<const crypto::CheckpointSigner>(keys.AuditSigningSeed());
  AuditKeys audit_keys;
  for (const crypto::Keyring::Versioned& seed : keys.AuditSigningSeeds()) {
    crypto::CheckpointSigner signer(seed.key);
    audit_keys[signer.key_id()] = signer.public_key();
  }
  AuditNotaryOptions audit;
  audit.anchor_path = options.audit_anchor_path.empty()
                          ? options.data_dir + "/audit-anchor"
                          : options.audit_anchor_path;
  audit.reanchor = options.audit_reanchor;
  audit.checkpoint_interval = options.audit_checkpoint_interval;
  ASSIGN_OR_RETURN(
      core->audit_notary_,
      AuditNotary::Open(&core->store_->audit(), core->audit_signer_.get(),
                        std::move(audit_keys), options.clock, audit));
  core->normaliser_ = std::make_unique<const identifiers::IdentifierNormaliser>(
      core->policy()->email(), core->policy()->default_region());
  core->blind_index_ =
      std::make_unique<const crypto::BlindIndex>(keys.BlindIndexKey());
  core->resolver_ = std::make_unique<const IdentifierResolver>(
      core->normaliser_.get(), core->blind_index_.get());
  ASSIGN_OR_RETURN(
      core->erasure_journal_,
      ErasureJournalFile::Open(options.erasure_journal_path.empty()
                                   ? options.data_dir + "/erasure-journal"
                                   : options.erasure_journal_path,
                               keys.ErasureJournalKey()));
  core->backup_dir_ = options.backup_dir.empty() ? options.data_dir + "/backups"
                                                 : options.backup_dir;
  core->ledger_ = std::make_unique<ConsentLedger>(
      &core->store_->facts(), &core->store_->audit(),
      core->erasure_journal_.get(), &core->index_, core->policy_.get(),
      core->resolver_.get(), options.clock);
  core->list_registry_ = std::make_unique<ListRegistry>(
      &core->store_->lists(), &core->store_->audit(), &core->lists_,
      core->policy_.get(), core->resolver_.get(), options.clock,
      options.require_second_officer);
  core->exporter_ = std::make_unique<const SubjectExporter>(
      core->ledger_.get(), core->list_registry_.get(), &core->lists_,
      core->policy_.get());
  core->request_desk_ = std::make_unique<RequestDesk>(
      &core->store_->requests(), core->resolver_.get(), core->ledger_.get(),
      core->exporter_.get(), options.clock,
      RequestDesk::Limits{options.require_second_officer,
                          options.max_open_requests});
  core->checker_ = std::make_unique<const ContactChecker>(
      core->policy_.get(), core->resolver_.get(), &core->index_, &core->lists_,
      options.clock);
  // The scrub's own thread plus one worker per further core.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  core->workers_ =
      std::make_unique<WorkerPool>(std::clamp(cores - 1, 0, kMaxWorkers));
  std::vector<crypto::SecretKey> receipt_seeds;
  for (const crypto::Keyring::Versioned& seed : keys.ReceiptSigningSeeds()) {
    receipt_seeds.push_back(seed.key);
  }
  core->scrubber_ = std::make_unique<const Scrubber>(
      core->checker_.get(), core->policy_.get(), &core->store_->receipts(),
      core->workers_.get(), receipt_seeds, options.clock);
  RETURN_IF_ERROR(core->ledger_->LoadIndex());
  RETURN_IF_ERROR(core->list_registry_->Load());
  ASSIGN_OR_RETURN(
      core->erasure_reconciliation_,
      ReconcileErasures(*core->erasure_journal_, *core->store_, *core->ledger_,
                        *core->request_desk_,
                        DigestOf(crypto::Keyring::Derive(
                            keys.ErasureJournalKey(),
                            "consentd/v1/erasure-journal-fingerprint")),
                        options.erasure_journal_rebuild));
  return core;
}

absl::StatusOr<std::string> ConsentCore::ReplacePolicy(
    const access::Caller& caller, absl::string_view text) {
  ASSIGN_OR_RETURN(policy::PolicyModel next,
                   policy::PolicyModel::FromTextProto(text));
  const std::string version = next.version();
  RETURN_IF_ERROR(
      policy_
          ->Replace(std::move(next),
                    [&](const policy::PolicyModel& in_force,
                        const policy::PolicyModel& replacement) {
                      store::AuditDraft audit =
                          AuditDraftOf(caller, "policy.replaced", clock_());
                      // The rules themselves, by digest: a version is only
                      // a name.
                      audit.object_ids = {
                          absl::StrCat("policy:", in_force.version()),
                          absl::StrCat("policy:", replacement.version()),
                          absl::StrCat(
                              "policy_sha256:",
                              crypto::DigestHex(crypto::Sha256(
                                  replacement.proto().SerializeAsString())))};
                      return store_->audit().Append(audit).status();
                    })
          .status());
  return version;
}

absl::StatusOr<consent::v1::BackupResponse> ConsentCore::Backup(
    const access::Caller& caller, const std::string& file_name) {
  absl::MutexLock lock(&rekey_mu_);
  BackupTarget target;
  target.directory = backup_dir_;
  target.file_name = file_name;
  target.key_version = database_key_version_.load();
  for (const crypto::Keyring::Versioned& key : database_keys_) {
    if (!unencrypted_ && key.version == target.key_version) {
      target.key = &key.key;
    }
  }
  ASSIGN_OR_RETURN(consent::v1::BackupResponse response,
                   WriteBackup(*store_, target, clock_));
  store::AuditDraft audit = AuditDraftOf(caller, "store.backed_up", clock_());
  audit.object_ids = {absl::StrCat("backup:", file_name),
                      absl::StrCat("sha256:", response.manifest().sha256())};
  RETURN_IF_ERROR(store_->audit().Append(audit).status());
  last_backup_us_ = absl::ToUnixMicros(clock_());
  return response;
}

int64_t ConsentCore::StoreBytes() const {
  int64_t bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    struct stat file;
    const std::string path = store_path_ + suffix;
    if (stat(path.c_str(), &file) != 0) {
      if (*suffix == '\0') return -1;
      continue;
    }
    bytes += file.st_size;
  }
  return bytes;
}

std::optional<absl::Time> ConsentCore::last_backup() const {
  const int64_t us = last_backup_us_.load();
  if (us == 0) return std::nullopt;
  return absl::FromUnixMicros(us);
}

absl::StatusOr<consent::v1::RekeyResponse> ConsentCore::Rekey(
    const access::Caller& caller, int version) {
  std::optional<crypto::Keyring::Versioned> target;
  for (const crypto::Keyring::Versioned& key : database_keys_) {
    if (version == 0 || key.version == version) {
      target = key;
      break;
    }
  }
  if (!target) {
    return absl::NotFoundError(absl::StrCat(
        "the keyring consentd started with holds no database key version ",
        version, "; add it (consentd --add-key database), restart, rekey"));
  }
  absl::MutexLock lock(&rekey_mu_);
  const int current = database_key_version_.load();
  consent::v1::RekeyResponse response;
  response.set_previous_database_key_version(current);
  response.set_database_key_version(target->version);
  if (target->version == current) return response;
  if (target->version < current) {
    return absl::FailedPreconditionError(
        absl::StrCat("the store is under database key version ", current,
                     "; consentd does not rekey it back to an older one"));
  }
  if (unencrypted_) {
    return absl::FailedPreconditionError("the store is not encrypted");
  }
  const crypto::SecretKey* in_use = nullptr;
  for (const crypto::Keyring::Versioned& key : database_keys_) {
    if (key.version == current) in_use = &key.key;
  }
  RETURN_IF_ERROR(store_->Rekey(*in_use, target->key));
  database_key_version_ = target->version;
  store::AuditDraft audit = AuditDraftOf(caller, "keys.rekeyed", clock_());
  audit.object_ids = {
      absl::StrCat("database_key:", response.previous_database_key_version()),
      absl::StrCat("database_key:", target->version)};
  RETURN_IF_ERROR(store_->audit().Append(audit).status());
  return response;
}

}  // namespace consentd::core
