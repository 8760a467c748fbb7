#include "service/core/consent_core.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "crypto/keyring.h"
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

}  // namespace

absl::StatusOr<std::unique_ptr<ConsentCore>> ConsentCore::Open(
    CoreOptions options) {
  std::unique_ptr<ConsentCore> core(new ConsentCore());
  ASSIGN_OR_RETURN(policy::PolicyModel policy,
                   policy::PolicyModel::FromTextProto(options.policy_text));
  core->policy_ =
      std::make_unique<const policy::PolicyModel>(std::move(policy));

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

  const std::string store_path = options.data_dir + "/consentd.db";
  if (!options.create_store && ::access(store_path.c_str(), F_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(
        "no store at ", store_path,
        "; start once with --init to create it (is --data-dir right?)"));
  }
  ASSIGN_OR_RETURN(
      core->store_,
      options.unencrypted_store_for_testing
          ? store::SqlcipherStore::OpenUnencryptedForTesting(store_path)
          : store::SqlcipherStore::Open(store_path, keyring.DatabaseKey()));
  core->audit_signer_ = std::make_unique<const crypto::CheckpointSigner>(
      keyring.AuditSigningSeed());
  AuditNotaryOptions audit;
  audit.anchor_path = options.audit_anchor_path.empty()
                          ? options.data_dir + "/audit-anchor"
                          : options.audit_anchor_path;
  audit.reanchor = options.audit_reanchor;
  audit.checkpoint_interval = options.audit_checkpoint_interval;
  ASSIGN_OR_RETURN(
      core->audit_notary_,
      AuditNotary::Open(
          &core->store_->audit(), core->audit_signer_.get(),
          {{core->audit_signer_->key_id(), core->audit_signer_->public_key()}},
          options.clock, audit));
  core->normaliser_ = std::make_unique<const identifiers::IdentifierNormaliser>(
      core->policy_->email(), core->policy_->default_region());
  core->blind_index_ =
      std::make_unique<const crypto::BlindIndex>(keyring.BlindIndexKey());
  core->resolver_ = std::make_unique<const IdentifierResolver>(
      core->normaliser_.get(), core->blind_index_.get());
  core->ledger_ = std::make_unique<ConsentLedger>(
      &core->store_->facts(), &core->store_->audit(), &core->index_,
      core->policy_.get(), core->resolver_.get(), options.clock);
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
  core->scrubber_ = std::make_unique<const Scrubber>(
      core->checker_.get(), core->policy_.get(), &core->store_->receipts(),
      core->workers_.get(), keyring.ReceiptSigningSeed(), options.clock);
  RETURN_IF_ERROR(core->ledger_->LoadIndex());
  RETURN_IF_ERROR(core->list_registry_->Load());
  return core;
}

}  // namespace consentd::core
