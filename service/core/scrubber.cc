#include "service/core/scrubber.h"

#include <openssl/rand.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/input_validation.h"

namespace consentd::core {
namespace {

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

Scrubber::Scrubber(const ContactChecker* checker,
                   const policy::PolicyModel* policy,
                   store::ConsentStore* store,
                   const crypto::SecretKey& signing_seed, Clock clock)
    : checker_(checker),
      policy_(policy),
      store_(store),
      signer_(signing_seed),
      clock_(std::move(clock)) {}

absl::StatusOr<std::unique_ptr<Scrubber::Session>> Scrubber::Begin(
    const consent::v1::ScrubHeader& header, std::string caller) const {
  RETURN_IF_ERROR(ValidateListName(header.list_name()));
  ASSIGN_OR_RETURN(
      policy::CheckQuery query,
      checker_->MakeQuery(header.purpose(), header.channel(), header.has_at(),
                          header.at(), header.default_region()));
  return std::unique_ptr<Session>(
      new Session(this, header, query, std::move(caller)));
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
                           const policy::CheckQuery& query, std::string caller)
    : scrubber_(scrubber),
      header_(header),
      query_(query),
      caller_(std::move(caller)) {}

absl::StatusOr<consent::v1::ScrubRowResult> Scrubber::Session::Decide(
    const consent::v1::ScrubRow& row) {
  if (rows_ >= kMaxScrubRows) {
    return absl::InvalidArgumentError(
        absl::StrCat("a scrub holds at most ", kMaxScrubRows, " rows"));
  }
  if (row.row_id().size() > kMaxRowIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "row ", rows_ + 1, ": row_id is longer than ", kMaxRowIdLength));
  }
  if (row.identifiers_size() > kMaxIdentifiersPerContact) {
    return absl::InvalidArgumentError(
        absl::StrCat("row ", rows_ + 1, ": at most ", kMaxIdentifiersPerContact,
                     " identifiers"));
  }
  consent::v1::Decision decision;
  if (row.identifiers_size() == 0) {
    decision.set_verdict(consent::v1::VERDICT_DENY);
    decision.set_reason(consent::v1::DECISION_REASON_INVALID_IDENTIFIER);
  } else {
    scrubber_->checker_->Decide(row.identifiers(), header_.default_region(),
                                query_, &decision);
  }
  digest_.AddRow(row);
  ++rows_;
  if (decision.verdict() == consent::v1::VERDICT_ALLOW) ++allowed_;
  ++by_reason_[decision.reason()];

  consent::v1::ScrubRowResult result;
  result.set_row_id(row.row_id());
  result.set_verdict(decision.verdict());
  result.set_reason(decision.reason());
  result.set_detail(decision.detail());
  return result;
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
  receipt.set_policy_version(scrubber_->policy_->version());
  receipt.set_purpose(header_.purpose());
  receipt.set_channel(header_.channel());
  const int64_t now_us = absl::ToUnixMicros(scrubber_->clock_());
  *receipt.mutable_scrubbed_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(now_us);
  receipt.set_caller(caller_);
  receipt.set_list_name(header_.list_name());
  scrubber_->signer_.Sign(receipt);
  RETURN_IF_ERROR(scrubber_->store_->SaveReceipt(
      receipt.receipt_id(), receipt.SerializeAsString(), now_us));
  return receipt;
}

}  // namespace consentd::core
