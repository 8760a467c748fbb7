#include "service/core/consent_registry.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "service/crypto/keyring.h"
#include "service/store/sqlcipher_store.h"

namespace consentd::core {
namespace {

// A bound on the scrub workers for machines with many cores (measured only
// on two: one worker).
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

absl::StatusOr<std::unique_ptr<ConsentRegistry>> ConsentRegistry::Open(
    RegistryOptions options) {
  std::unique_ptr<ConsentRegistry> registry(new ConsentRegistry());
  ASSIGN_OR_RETURN(policy::PolicyModel policy,
                   policy::PolicyModel::FromTextProto(options.policy_text));
  registry->policy_ =
      std::make_unique<const policy::PolicyModel>(std::move(policy));

  RETURN_IF_ERROR(EnsureDirectory(options.data_dir));
  const std::string keyring_path = options.keyring_path.empty()
                                       ? options.data_dir + "/keyring"
                                       : options.keyring_path;
  ASSIGN_OR_RETURN(crypto::Keyring keyring,
                   options.create_keyring
                       ? crypto::Keyring::LoadOrCreate(keyring_path)
                       : crypto::Keyring::Load(keyring_path));

  const std::string store_path = options.data_dir + "/consentd.db";
  ASSIGN_OR_RETURN(
      registry->store_,
      options.unencrypted_store_for_testing
          ? store::SqlcipherStore::OpenUnencryptedForTesting(store_path)
          : store::SqlcipherStore::Open(store_path, keyring.DatabaseKey()));
  registry->normaliser_ = std::make_unique<const policy::IdentifierNormaliser>(
      registry->policy_->email(), registry->policy_->default_region());
  registry->blind_index_ =
      std::make_unique<const crypto::BlindIndex>(keyring.BlindIndexKey());
  registry->resolver_ = std::make_unique<const IdentifierResolver>(
      registry->normaliser_.get(), registry->blind_index_.get());
  registry->ledger_ = std::make_unique<ConsentLedger>(
      registry->store_.get(), &registry->index_, registry->policy_.get(),
      registry->resolver_.get(), options.clock);
  registry->list_registry_ = std::make_unique<ListRegistry>(
      registry->store_.get(), &registry->lists_, registry->policy_.get(),
      registry->resolver_.get(), options.clock);
  registry->exporter_ = std::make_unique<const SubjectExporter>(
      registry->ledger_.get(), registry->list_registry_.get(),
      &registry->lists_, registry->policy_.get());
  registry->request_desk_ = std::make_unique<RequestDesk>(
      registry->store_.get(), registry->resolver_.get(),
      registry->ledger_.get(), registry->exporter_.get(), options.clock);
  registry->checker_ = std::make_unique<const ContactChecker>(
      registry->policy_.get(), registry->resolver_.get(), &registry->index_,
      &registry->lists_, options.clock);
  // The scrub's own thread plus one worker per further core.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  registry->workers_ =
      std::make_unique<WorkerPool>(std::clamp(cores - 1, 0, kMaxWorkers));
  registry->scrubber_ = std::make_unique<const Scrubber>(
      registry->checker_.get(), registry->policy_.get(), registry->store_.get(),
      registry->workers_.get(), keyring.ReceiptSigningSeed(), options.clock);
  RETURN_IF_ERROR(registry->ledger_->LoadIndex());
  RETURN_IF_ERROR(registry->list_registry_->Load());
  return registry;
}

}  // namespace consentd::core
