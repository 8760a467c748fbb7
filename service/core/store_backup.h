// Backups of the store and their manifests: what `consentctl admin backup`
// (AdminService.Backup) writes and `consentd --restore` reads.
//
// A backup is a file in the backup directory, encrypted under the database
// key in use, and a manifest beside it, <file>.manifest (text format
// consent.v1.BackupManifest): its size, SHA-256, the database key version
// that decrypts it and what it holds. The backup is written under a
// temporary name and renamed once its manifest is on disk, so a file under
// the name asked for is always whole.
#ifndef CONSENTD_SERVICE_CORE_STORE_BACKUP_H_
#define CONSENTD_SERVICE_CORE_STORE_BACKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "consent/v1/admin.pb.h"
#include "crypto/secret_key.h"
#include "service/core/clock.h"
#include "service/store/consent_store.h"

namespace consentd::core {

struct BackupTarget {
  // The backup directory (created, mode 0700, when absent) and the file's
  // name in it: 1-128 characters of [A-Za-z0-9._-], not starting with '.'.
  std::string directory;
  std::string file_name;
  // The key the store is under (null: a test store without encryption)
  // and its keyring version, for the manifest.
  const crypto::SecretKey* key = nullptr;
  int key_version = 0;
};

// Backs `store` up to `target` (ConsentStore::Backup) and writes its
// manifest, dated by `clock` when the copy is complete (it holds what was
// committed by then). Errors: INVALID_ARGUMENT for a bad file name;
// ALREADY_EXISTS when the file or its manifest exists; those of
// ConsentStore::Backup; FAILED_PRECONDITION / RESOURCE_EXHAUSTED when the
// directory or manifest cannot be written. Nothing is left under the name
// after an error.
absl::StatusOr<consent::v1::BackupResponse> WriteBackup(
    store::ConsentStore& store, const BackupTarget& target, const Clock& clock);

// The manifest beside the backup `path`, checked against the file: its
// size and SHA-256. Errors: NOT_FOUND without the manifest;
// INVALID_ARGUMENT when it does not parse; DATA_LOSS when the file differs
// from it (damaged or not the backup it names).
absl::StatusOr<consent::v1::BackupManifest> ReadVerifiedManifest(
    const std::string& path);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_STORE_BACKUP_H_
