// ListRegistry: imports, drops, describes and loads the external
// suppression lists, keeping the store and memory (SuppressionLists) in
// step.
//
// An import stages the new version in the store as its entries arrive,
// where no check sees it; Finish publishes it (replacing the old version in
// one transaction) and swaps it into memory in one step. An import that is
// abandoned (the stream broke, the caller gave up) leaves the old version in
// force and its staged entries are discarded.
//
// Thread-safety: safe for concurrent use; one Import is used by one thread.
#ifndef CONSENTD_SERVICE_CORE_LIST_REGISTRY_H_
#define CONSENTD_SERVICE_CORE_LIST_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "access/caller.h"
#include "consent/v1/suppression.pb.h"
#include "policy/policy_model.h"
#include "service/core/clock.h"
#include "service/core/identifier_resolver.h"
#include "service/core/live_policy.h"
#include "service/core/suppression_lists.h"
#include "service/store/audit_trail.h"
#include "service/store/list_store.h"

namespace consentd::core {

// Entries one list may hold.
inline constexpr int64_t kMaxListEntries = 50'000'000;
// Lists the registry holds.
inline constexpr size_t kMaxLists = 256;
// Entries one ImportListEntries message may hold.
inline constexpr int kMaxImportEntriesPerMessage = 1'000;
// How long a first ask to drop a list waits for the second principal.
inline constexpr absl::Duration kDropConfirmWindow = absl::Hours(24);

class ListRegistry {
 public:
  class Import;

  // Every pointer must outlive the registry and its imports. With
  // `require_second_officer`, dropping a list takes two principals. Every
  // publication, drop and first ask to drop is audited in `audit`.
  ListRegistry(store::ListStore* store, store::AuditTrail* audit,
               SuppressionLists* lists, const LivePolicy* policy,
               const IdentifierResolver* resolver, Clock clock,
               bool require_second_officer);

  // Loads every published list into memory; call once, before serving.
  absl::Status Load();

  // Starts importing a new version of the list `header.name()` for
  // `caller`, whom its publication's audit entry names. Errors:
  // INVALID_ARGUMENT for a bad name or version, an unknown purpose or
  // channel, a bad region; RESOURCE_EXHAUSTED for a new list when
  // kMaxLists are held (checked again as it is published); store errors.
  absl::StatusOr<std::unique_ptr<Import>> BeginImport(
      const access::Caller& caller,
      const consent::v1::ImportListHeader& header);

  // Removes a list from the store and from memory, for `caller`. With four
  // eyes required, the first ask only notes the caller (dropped = false;
  // asking again changes nothing) and a second principal with the
  // privacy_officer or admin role drops the list within kDropConfirmWindow
  // of it, while the version asked about is still in force (a new version
  // imported meanwhile makes the next ask a first one). Pending asks live
  // in memory: a restart forgets them, which keeps the list. Errors: NOT_FOUND
  // when there is no list of that name; PERMISSION_DENIED for a second
  // principal without either role; store errors.
  absl::StatusOr<consent::v1::DropListResponse> Drop(
      const access::Caller& caller, const std::string& name)
      ABSL_LOCKS_EXCLUDED(publish_mu_);

  // Every list, by name, without entries.
  absl::StatusOr<consent::v1::ListListsResponse> Describe() const;

 private:
  std::shared_ptr<SuppressionList> ToMemory(
      const store::ListRecord& record) const;

  store::ListStore* const store_;
  store::AuditTrail* const audit_;
  SuppressionLists* const lists_;
  const LivePolicy* const policy_;
  const IdentifierResolver* const resolver_;
  const Clock clock_;
  const bool require_second_officer_;

  // Makes "publish in the store, then swap in memory" one step, so two
  // imports or drops of one list cannot leave memory and store disagreeing.
  absl::Mutex publish_mu_;
  struct DropAsk {
    std::string principal;
    absl::Time at;
    // The version asked about: a confirmation drops only what was asked.
    std::string version;
  };
  // First asks to drop a list, by name, awaiting a second principal.
  absl::flat_hash_map<std::string, DropAsk> drop_asks_
      ABSL_GUARDED_BY(publish_mu_);
};

class ListRegistry::Import {
 public:
  ~Import();
  Import(const Import&) = delete;
  Import& operator=(const Import&) = delete;

  // Adds one entry. An identifier that cannot be normalised is counted as
  // rejected, not an error. Errors: INVALID_ARGUMENT past kMaxListEntries;
  // store errors (the import is then abandoned).
  absl::Status Add(const consent::v1::Identifier& identifier);
  // Adds each entry of a message, as Add. Errors: as Add, and
  // INVALID_ARGUMENT (nothing added) for an empty message or one over
  // kMaxImportEntriesPerMessage.
  absl::Status AddAll(const consent::v1::ImportListEntries& entries);

  // Publishes the new version and returns it as published. Call once.
  // Errors: FAILED_PRECONDITION, leaving the version in force, when the new
  // version would hold under 90% of its entries or apply to fewer purposes
  // or channels (what a drop does, which takes four eyes); store errors.
  absl::StatusOr<consent::v1::SuppressionList> Finish();

 private:
  friend class ListRegistry;
  Import(ListRegistry* registry, std::shared_ptr<SuppressionList> list,
         std::string default_region, int64_t staged_id,
         store::AuditDraft audit);

  absl::Status Flush();
  // Whether `next` may replace `held` without a drop's four eyes.
  static absl::Status MayReplace(const SuppressionList& held,
                                 const SuppressionList& next);

  ListRegistry* const registry_;
  std::shared_ptr<SuppressionList> list_;
  const std::string default_region_;
  const int64_t staged_id_;
  // The publication's audit entry, but for its time.
  store::AuditDraft audit_;
  std::vector<crypto::Digest> pending_;
  int64_t rejected_ = 0;
  bool published_ = false;
};

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_LIST_REGISTRY_H_
