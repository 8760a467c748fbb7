#include "service/core/scrubber.h"

#include <openssl/rand.h>

#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/input_validation.h"

namespace consentd::core {
namespace {

// Below this, handing rows to another thread costs more than it saves.
constexpr size_t kMinRowsPerSlice = 64;

absl::StatusOr<std::string> NewReceiptId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("no randomness for a receipt id");
  }
  return absl::StrCat(
      "rcpt-", absl::BytesToHexString(absl::string_view(
                   reinterpret_cast<const char*>(bytes), sizeof(bytes))));
}

absl::Status ValidateListName(absl::string_view name) {
  if (name.size() > kMaxListNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "list_name is longer than ", kMaxListNameLength, " bytes"));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) {
      return absl::InvalidArgumentError("list_name has a control character");
    }
  }
  return absl::OkStatus();
}

}  // namespace

Scrubber::Scrubber(const ContactChecker* checker, const LivePolicy* policy,
                   store::ReceiptStore* store, WorkerPool* workers,
                   absl::Span<const crypto::SecretKey> signing_seeds,
                   Clock clock)
    : checker_(checker),
      policy_(policy),
      store_(store),
      workers_(workers),
      signer_(signing_seeds.front()),
      clock_(std::move(clock)) {
  for (const crypto::SecretKey& seed : signing_seeds) {
    keys_.push_back(crypto::ReceiptSigner(seed).key());
  }
}

absl::StatusOr<consent::v1::ReceiptKey> Scrubber::ReceiptKey(
    absl::string_view key_id) const {
  for (const consent::v1::ReceiptKey& key : keys_) {
    if (key.key_id() == key_id) return key;
  }
  return absl::NotFoundError("no receipt key with that id");
}

absl::StatusOr<std::unique_ptr<Scrubber::Session>> Scrubber::Begin(
    const consent::v1::ScrubHeader& header,
    const access::Caller& caller) const {
  RETURN_IF_ERROR(ValidateListName(header.list_name()));
  PolicySnapshot policy = policy_->Current();
  ASSIGN_OR_RETURN(policy::CheckQuery query,
                   checker_->MakeQuery(*policy, header.purpose(),
                                       header.channel(), header.has_at(),
                                       header.at(), header.default_region()));
  SuppressionLists::Snapshot lists = checker_->ListsApplying(query);
  return std::unique_ptr<Session>(new Session(this, header, std::move(policy),
                                              query, caller, std::move(lists)));
}

absl::StatusOr<consent::v1::ScrubReceipt> Scrubber::Receipt(
    const std::string& receipt_id) const {
  ASSIGN_OR_RETURN(std::string bytes, store_->LoadReceipt(receipt_id));
  consent::v1::ScrubReceipt receipt;
  if (!receipt.ParseFromString(bytes)) {
    return absl::DataLossError("stored receipt does not parse");
  }
  return receipt;
}

Scrubber::Session::Session(const Scrubber* scrubber,
                           const consent::v1::ScrubHeader& header,
                           PolicySnapshot policy,
                           const policy::CheckQuery& query,
                           const access::Caller& caller,
                           SuppressionLists::Snapshot lists)
    : scrubber_(scrubber),
      header_(header),
      policy_(std::move(policy)),
      query_(query),
      caller_(caller.principal),
      caller_roles_(caller.roles.ToString()),
      lists_(std::move(lists)) {}

absl::Status Scrubber::Session::Validate(
    const consent::v1::ScrubRows& rows) const {
  if (rows.rows_size() < 1 || rows.rows_size() > kMaxScrubRowsPerMessage) {
    return absl::InvalidArgumentError(
        absl::StrCat("a message holds 1 to ", kMaxScrubRowsPerMessage,
                     " rows, got ", rows.rows_size()));
  }
  if (rows_ + rows.rows_size() > kMaxScrubRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("a scrub holds at most ", kMaxScrubRows, " rows"));
  }
  for (int i = 0; i < rows.rows_size(); ++i) {
    const consent::v1::ScrubRow& row = rows.rows(i);
    const int64_t number = rows_ + i + 1;
    if (row.row_id().size() > kMaxRowIdLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", number, ": row_id is longer than ", kMaxRowIdLength));
    }
    if (row.identifiers_size() > kMaxIdentifiersPerContact) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", number, ": at most ", kMaxIdentifiersPerContact,
                       " identifiers"));
    }
  }
  return absl::OkStatus();
}

absl::Status Scrubber::Session::Decide(const consent::v1::ScrubRows& rows,
                                       consent::v1::ScrubRowResults* results) {
  RETURN_IF_ERROR(Validate(rows));
  const int first = results->rows_size();
  results->mutable_rows()->Reserve(first + rows.rows_size());
  for (int i = 0; i < rows.rows_size(); ++i) results->add_rows();
  scrubber_->workers_->ForEachSlice(
      static_cast<size_t>(rows.rows_size()), kMinRowsPerSlice,
      [&](size_t begin, size_t end) {
        DecideSlice(rows, static_cast<int>(begin), static_cast<int>(end),
                    results, first);
      });
  for (int i = 0; i < rows.rows_size(); ++i) {
    Count(rows.rows(i), results->rows(first + i));
  }
  scrubber_->rows_decided_ += rows.rows_size();
  return absl::OkStatus();
}

void Scrubber::Session::DecideSlice(const consent::v1::ScrubRows& rows,
                                    int begin, int end,
                                    consent::v1::ScrubRowResults* results,
                                    int first) const {
  // The checker's answers, on an arena freed with the slice.
  google::protobuf::Arena arena;
  std::vector<const ContactChecker::Identifiers*> contacts;
  std::vector<consent::v1::Decision*> decisions;
  std::vector<consent::v1::ScrubRowResult*> decided;
  for (int i = begin; i < end; ++i) {
    const consent::v1::ScrubRow& row = rows.rows(i);
    consent::v1::ScrubRowResult* result = results->mutable_rows(first + i);
    result->set_row_id(row.row_id());
    if (row.identifiers_size() == 0) {
      result->set_verdict(consent::v1::VERDICT_DENY);
      result->set_reason(consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
      continue;
    }
    contacts.push_back(&row.identifiers());
    decisions.push_back(
        google::protobuf::Arena::CreateMessage<consent::v1::Decision>(&arena));
    decided.push_back(result);
  }
  scrubber_->checker_->Decide(*policy_, contacts, header_.default_region(),
                              query_,
                              /*per_identifier=*/false, decisions, &lists_);
  for (size_t k = 0; k < decided.size(); ++k) {
    decided[k]->set_verdict(decisions[k]->verdict());
    decided[k]->set_reason(decisions[k]->reason());
    if (!decisions[k]->detail().empty()) {
      decided[k]->set_detail(decisions[k]->detail());
    }
  }
}

void Scrubber::Session::Count(const consent::v1::ScrubRow& row,
                              const consent::v1::ScrubRowResult& result) {
  digest_.AddRow(row);
  ++rows_;
  if (result.verdict() == consent::v1::VERDICT_ALLOW) ++allowed_;
  ++by_reason_[result.reason()];
}

absl::StatusOr<consent::v1::ScrubReceipt> Scrubber::Session::Finish() {
  if (finished_) return absl::FailedPreconditionError("already finished");
  finished_ = true;
  consent::v1::ScrubReceipt receipt;
  ASSIGN_OR_RETURN(*receipt.mutable_receipt_id(), NewReceiptId());
  receipt.set_list_digest(digest_.Finish());
  receipt.set_rows_total(rows_);
  receipt.set_rows_allowed(allowed_);
  for (const auto& [reason, count] : by_reason_) {
    consent::v1::ReasonCount* entry = receipt.add_rows_by_reason();
    entry->set_reason(reason);
    entry->set_rows(count);
  }
  receipt.set_policy_version(policy_->version());
  receipt.set_purpose(header_.purpose());
  receipt.set_channel(header_.channel());
  const int64_t now_us = absl::ToUnixMicros(scrubber_->clock_());
  *receipt.mutable_scrubbed_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(now_us);
  receipt.set_caller(caller_);
  receipt.set_list_name(header_.list_name());
  *receipt.mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(query_.at_us);
  receipt.set_default_region(header_.default_region().empty()
                                 ? policy_->default_region()
                                 : header_.default_region());
  for (const SuppressionLists::ListPtr& list : lists_) {
    consent::v1::ListVersion* consulted = receipt.add_lists_consulted();
    consulted->set_name(list->name);
    consulted->set_version(list->version);
  }
  scrubber_->signer_.Sign(receipt);
  store::AuditDraft audit;
  audit.at_us = now_us;
  audit.actor = caller_;
  audit.role = caller_roles_;
  audit.action = "scrub.receipt_issued";
  audit.object_ids = {absl::StrCat("receipt:", receipt.receipt_id())};
  RETURN_IF_ERROR(scrubber_->store_->SaveReceipt(
      receipt.receipt_id(), receipt.SerializeAsString(), now_us, audit));
  return receipt;
}

}  // namespace consentd::core
