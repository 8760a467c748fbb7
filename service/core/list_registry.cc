#include "service/core/list_registry.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/scope_name.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/audit_draft.h"
#include "service/core/input_validation.h"

namespace consentd::core {
namespace {

// How audit entries name a list version.
std::string ListObjectId(absl::string_view name, absl::string_view version) {
  return absl::StrCat("list:", name, "@", version);
}

absl::Status TooManyLists() {
  return absl::ResourceExhaustedError(
      absl::StrCat("consentd holds ", kMaxLists,
                   " suppression lists, the most it may; drop one before "
                   "importing a new one"));
}

constexpr size_t kMaxVersionLength = 64;
constexpr int kMaxScopes = 64;
// Entries written to the store per transaction.
constexpr size_t kFlushEvery = 8192;

// A bounded queue of digest batches from one producer to one consumer.
class DigestBatches {
 public:
  static constexpr size_t kBatchSize = 4096;

  // Waits while the queue is full.
  void Push(std::vector<crypto::Digest> batch) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &DigestBatches::HasRoom));
    queued_.push_back(std::move(batch));
  }

  // No batch follows.
  void Close() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // The next batch; nullopt once the queue is closed and empty.
  std::optional<std::vector<crypto::Digest>> Pop() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &DigestBatches::Ready));
    if (queued_.empty()) return std::nullopt;
    std::vector<crypto::Digest> batch = std::move(queued_.front());
    queued_.pop_front();
    return batch;
  }

 private:
  static constexpr size_t kMaxQueued = 16;  // 2 MiB

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queued_.size() < kMaxQueued;
  }
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !queued_.empty();
  }

  absl::Mutex mu_;
  std::deque<std::vector<crypto::Digest>> queued_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// A large list's set is far larger than the caches, and every digest lands
// on a random slot: each slot is prefetched kInsertAhead digests before its
// insert, so that the misses overlap rather than queue.
void InsertPrefetched(
    const std::vector<crypto::Digest>& digests,
    absl::flat_hash_set<crypto::Digest, crypto::DigestHash>& set) {
  constexpr size_t kInsertAhead = 16;
  for (size_t i = 0; i < std::min(kInsertAhead, digests.size()); ++i) {
    set.prefetch(digests[i]);
  }
  for (size_t i = 0; i < digests.size(); ++i) {
    if (i + kInsertAhead < digests.size()) {
      set.prefetch(digests[i + kInsertAhead]);
    }
    set.insert(digests[i]);
  }
}

consent::v1::SuppressionList ToProto(const store::ListRecord& record) {
  consent::v1::SuppressionList out;
  out.set_name(record.name);
  out.set_version(record.version);
  out.set_entries(record.entries);
  out.set_rejected_entries(record.rejected_entries);
  *out.mutable_imported_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          record.imported_us);
  for (const std::string& purpose : record.purposes) out.add_purposes(purpose);
  for (const std::string& channel : record.channels) out.add_channels(channel);
  return out;
}

absl::Status ValidateVersion(absl::string_view version) {
  if (version.empty() || version.size() > kMaxVersionLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("version must be 1-", kMaxVersionLength, " characters"));
  }
  for (unsigned char c : version) {
    if (c < 0x20 || c == 0x7F) {
      return absl::InvalidArgumentError("version has a control character");
    }
  }
  return absl::OkStatus();
}

// Validates the header's purposes or channels against the policy.
template <typename Resolve>
absl::StatusOr<std::vector<policy::ScopeId>> ResolveScopes(
    const google::protobuf::RepeatedPtrField<std::string>& names,
    absl::string_view field, Resolve resolve) {
  if (names.size() > kMaxScopes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxScopes));
  }
  std::vector<policy::ScopeId> ids;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(policy::ScopeId id, resolve(name));
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

ListRegistry::ListRegistry(store::ListStore* store, store::AuditTrail* audit,
                           SuppressionLists* lists, const LivePolicy* policy,
                           const IdentifierResolver* resolver, Clock clock,
                           bool require_second_officer)
    : store_(store),
      audit_(audit),
      lists_(lists),
      policy_(policy),
      resolver_(resolver),
      clock_(std::move(clock)),
      require_second_officer_(require_second_officer) {}

std::shared_ptr<SuppressionList> ListRegistry::ToMemory(
    const store::ListRecord& record) const {
  const PolicySnapshot policy = policy_->Current();
  auto list = std::make_shared<SuppressionList>();
  list->name = record.name;
  list->version = record.version;
  for (const std::string& purpose : record.purposes) {
    list->purposes.push_back(policy->StoredPurpose(purpose));
  }
  for (const std::string& channel : record.channels) {
    list->channels.push_back(policy->StoredChannel(channel));
  }
  return list;
}

absl::Status ListRegistry::Load() {
  ASSIGN_OR_RETURN(std::vector<store::ListRecord> records, store_->Lists());
  for (const store::ListRecord& record : records) {
    std::shared_ptr<SuppressionList> list = ToMemory(record);
    list->digests.reserve(static_cast<size_t>(record.entries));
    // Reading the entries (SQLCipher's reads and decryption) and inserting
    // them (a cache miss each) are start-up's two large costs, and neither
    // needs the other's thread: they run on two, the digests passing
    // between them in batches.
    DigestBatches batches;
    absl::Status scanned;
    std::thread scanner([&] {
      std::vector<crypto::Digest> batch;
      batch.reserve(DigestBatches::kBatchSize);
      scanned = store_->ScanListEntries(
          record.list_id, [&](const crypto::Digest& digest) {
            batch.push_back(digest);
            if (batch.size() == DigestBatches::kBatchSize) {
              batches.Push(std::move(batch));
              batch.clear();
              batch.reserve(DigestBatches::kBatchSize);
            }
          });
      if (!batch.empty()) batches.Push(std::move(batch));
      batches.Close();
    });
    while (std::optional<std::vector<crypto::Digest>> batch = batches.Pop()) {
      InsertPrefetched(*batch, list->digests);
    }
    scanner.join();
    RETURN_IF_ERROR(scanned);
    lists_->Replace(std::move(list));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ListRegistry::Import>> ListRegistry::BeginImport(
    const access::Caller& caller, const consent::v1::ImportListHeader& header) {
  if (!IsValidScopeName(header.name())) {
    return absl::InvalidArgumentError(
        "name must be 1-64 characters of [a-z0-9._-]");
  }
  RETURN_IF_ERROR(ValidateVersion(header.version()));
  RETURN_IF_ERROR(ValidateRegion(header.default_region(), "default_region"));
  if (!lists_->Contains(header.name()) && lists_->list_count() >= kMaxLists) {
    return TooManyLists();
  }
  const PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(
      std::vector<policy::ScopeId> purposes,
      ResolveScopes(header.purposes(), "purposes", [&](const std::string& n) {
        return ResolvePurpose(*policy, n, /*required=*/true);
      }));
  ASSIGN_OR_RETURN(
      std::vector<policy::ScopeId> channels,
      ResolveScopes(header.channels(), "channels", [&](const std::string& n) {
        return ResolveChannel(*policy, n, /*required=*/true);
      }));

  store::ListRecord record;
  record.name = header.name();
  record.version = header.version();
  record.purposes.assign(header.purposes().begin(), header.purposes().end());
  record.channels.assign(header.channels().begin(), header.channels().end());
  record.imported_us = absl::ToUnixMicros(clock_());
  ASSIGN_OR_RETURN(int64_t staged_id, store_->StageList(record));

  auto list = std::make_shared<SuppressionList>();
  list->name = header.name();
  list->version = header.version();
  list->purposes = std::move(purposes);
  list->channels = std::move(channels);
  store::AuditDraft audit = AuditDraftOf(caller, "list.published", clock_());
  audit.object_ids = {ListObjectId(header.name(), header.version())};
  return std::unique_ptr<Import>(new Import(this, std::move(list),
                                            header.default_region(), staged_id,
                                            std::move(audit)));
}

absl::StatusOr<consent::v1::DropListResponse> ListRegistry::Drop(
    const access::Caller& caller, const std::string& name) {
  absl::MutexLock lock(&publish_mu_);
  consent::v1::DropListResponse response;
  if (require_second_officer_) {
    SuppressionLists::ListPtr held = lists_->Find(name);
    if (held == nullptr) {
      return absl::NotFoundError(absl::StrCat("no list named ", name));
    }
    const absl::Time now = clock_();
    auto ask = drop_asks_.find(name);
    if (ask != drop_asks_.end() && (now - ask->second.at > kDropConfirmWindow ||
                                    ask->second.version != held->version)) {
      drop_asks_.erase(ask);
      ask = drop_asks_.end();
    }
    if (ask == drop_asks_.end()) {
      store::AuditDraft audit = AuditDraftOf(caller, "list.drop_asked", now);
      audit.object_ids = {ListObjectId(name, held->version)};
      RETURN_IF_ERROR(audit_->Append(audit).status());
      drop_asks_[name] =
          DropAsk{std::string(caller.principal), now, held->version};
      return response;
    }
    if (ask->second.principal == caller.principal) return response;
    if (!caller.roles.Has(access::Role::kPrivacyOfficer) &&
        !caller.roles.Has(access::Role::kAdmin)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "four eyes: ", ask->second.principal, " asked to drop list ", name,
          "; a privacy officer or an admin must confirm"));
    }
    response.set_requested_by(ask->second.principal);
  }
  SuppressionLists::ListPtr dropping = lists_->Find(name);
  store::AuditDraft audit = AuditDraftOf(caller, "list.dropped", clock_());
  audit.object_ids = {ListObjectId(
      name, dropping == nullptr ? std::string() : dropping->version)};
  if (!response.requested_by().empty()) {
    audit.object_ids.push_back(
        absl::StrCat("asked_by:", response.requested_by()));
  }
  RETURN_IF_ERROR(store_->DropList(name, audit));
  lists_->Drop(name);
  drop_asks_.erase(name);
  response.set_dropped(true);
  return response;
}

absl::StatusOr<consent::v1::ListListsResponse> ListRegistry::Describe() const {
  ASSIGN_OR_RETURN(std::vector<store::ListRecord> records, store_->Lists());
  consent::v1::ListListsResponse response;
  for (const store::ListRecord& record : records) {
    *response.add_lists() = ToProto(record);
  }
  return response;
}

ListRegistry::Import::Import(ListRegistry* registry,
                             std::shared_ptr<SuppressionList> list,
                             std::string default_region, int64_t staged_id,
                             store::AuditDraft audit)
    : registry_(registry),
      list_(std::move(list)),
      default_region_(std::move(default_region)),
      staged_id_(staged_id),
      audit_(std::move(audit)) {}

ListRegistry::Import::~Import() {
  // An unfinished import leaves the version in force untouched; what it
  // staged is dropped now (or, if this fails, at the next start).
  if (!published_) (void)registry_->store_->DiscardStagedList(staged_id_);
}

absl::Status ListRegistry::Import::Add(
    const consent::v1::Identifier& identifier) {
  absl::StatusOr<ResolvedIdentifier> resolved =
      registry_->resolver_->Resolve(identifier, default_region_);
  if (!resolved.ok()) {
    ++rejected_;
    return absl::OkStatus();
  }
  if (!list_->digests.insert(resolved->digest).second) return absl::OkStatus();
  if (static_cast<int64_t>(list_->digests.size()) > kMaxListEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("a list holds at most ", kMaxListEntries, " entries"));
  }
  pending_.push_back(resolved->digest);
  return pending_.size() >= kFlushEvery ? Flush() : absl::OkStatus();
}

absl::Status ListRegistry::Import::AddAll(
    const consent::v1::ImportListEntries& entries) {
  if (entries.identifiers_size() < 1 ||
      entries.identifiers_size() > kMaxImportEntriesPerMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("a message holds 1 to ", kMaxImportEntriesPerMessage,
                     " entries, got ", entries.identifiers_size()));
  }
  for (const consent::v1::Identifier& identifier : entries.identifiers()) {
    RETURN_IF_ERROR(Add(identifier));
  }
  return absl::OkStatus();
}

absl::Status ListRegistry::Import::Flush() {
  RETURN_IF_ERROR(registry_->store_->AppendListEntries(staged_id_, pending_));
  pending_.clear();
  return absl::OkStatus();
}

namespace {

// Whether `scopes` covers everything `held` does (empty = every scope).
bool Covers(const std::vector<policy::ScopeId>& scopes,
            const std::vector<policy::ScopeId>& held) {
  if (scopes.empty()) return true;
  if (held.empty()) return false;
  return std::all_of(held.begin(), held.end(), [&](policy::ScopeId s) {
    return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
  });
}

}  // namespace

absl::Status ListRegistry::Import::MayReplace(const SuppressionList& held,
                                              const SuppressionList& next) {
  if (!Covers(next.purposes, held.purposes) ||
      !Covers(next.channels, held.channels)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version ", next.version, " of list ", next.name,
        " applies to fewer purposes or channels than the version in force; "
        "narrowing a list takes dropping it (four eyes) first"));
  }
  if (next.digests.size() * 10 < held.digests.size() * 9) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version ", next.version, " of list ", next.name, " holds ",
        next.digests.size(), " entries, under 90% of the ", held.digests.size(),
        " in force; a list shrinks by more than a tenth only by dropping it "
        "(four eyes) and importing it anew"));
  }
  return absl::OkStatus();
}

absl::StatusOr<consent::v1::SuppressionList> ListRegistry::Import::Finish() {
  if (published_) return absl::FailedPreconditionError("already finished");
  RETURN_IF_ERROR(Flush());
  absl::MutexLock lock(&registry_->publish_mu_);
  if (SuppressionLists::ListPtr held = registry_->lists_->Find(list_->name)) {
    RETURN_IF_ERROR(MayReplace(*held, *list_));
  } else if (registry_->lists_->list_count() >= kMaxLists) {
    // Imports begun side by side may each have seen room for one more.
    return TooManyLists();
  }
  audit_.at_us = absl::ToUnixMicros(registry_->clock_());
  ASSIGN_OR_RETURN(store::ListRecord record,
                   registry_->store_->PublishList(staged_id_, list_->name,
                                                  rejected_, audit_));
  published_ = true;
  registry_->lists_->Replace(std::move(list_));
  return ToProto(record);
}

}  // namespace consentd::core
