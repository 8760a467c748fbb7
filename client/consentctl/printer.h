// Printer: how consentctl shows answers. For people by default (aligned,
// short enum names, UTC times); one JSON document per answer with --json
// (the proto3 JSON mapping, stable for scripts).
#ifndef CONSENTD_CLIENT_CONSENTCTL_PRINTER_H_
#define CONSENTD_CLIENT_CONSENTCTL_PRINTER_H_

#include <ostream>

#include "absl/strings/string_view.h"
#include "consent/v1/admin.pb.h"
#include "consent/v1/audit.pb.h"
#include "consent/v1/consent.pb.h"
#include "consent/v1/policy.pb.h"
#include "consent/v1/requests.pb.h"
#include "consent/v1/scrub.pb.h"
#include "consent/v1/suppression.pb.h"

namespace consentd::consentctl {

class Printer {
 public:
  Printer(bool json, std::ostream& out) : json_(json), out_(out) {}

  void Print(const consent::v1::CheckResponse& response);
  void Print(const consent::v1::CheckBatchResponse& response);
  void Print(const consent::v1::RecordConsentResponse& response);
  void Print(const consent::v1::RecordObjectionResponse& response);
  void Print(const consent::v1::GetRecordResponse& response);
  void Print(const consent::v1::GetStatusResponse& response);
  void Print(const consent::v1::RekeyResponse& response);
  void Print(const consent::v1::BackupResponse& response);
  void Print(const consent::v1::Policy& policy);
  void Print(const consent::v1::SuppressionList& list);
  void Print(const consent::v1::ListListsResponse& response);
  void Print(const consent::v1::ScrubReceipt& receipt);
  void Print(const consent::v1::DataSubjectRequest& request);
  // A table by due date: days left, overdue requests first.
  void Print(const consent::v1::ListRequestsResponse& response);
  // Always JSON: the key is for saving to a file.
  void Print(const consent::v1::ReceiptKey& key);
  // One line per entry: sequence, time, actor, roles, action, objects.
  void Print(const consent::v1::AuditEntry& entry);
  // Always JSON: a checkpoint is for keeping away from the server.
  void Print(const consent::v1::AuditCheckpoint& checkpoint);
  void Print(const consent::v1::VerifyAuditResponse& response);

 private:
  // Prints `message` as JSON; returns false (printing nothing) for text.
  bool PrintedJson(const google::protobuf::Message& message);
  // Prints `message` as indented JSON with the .proto field names.
  void PrintIndentedJson(const google::protobuf::Message& message);
  void PrintDecision(const consent::v1::Decision& decision,
                     absl::string_view indent);

  const bool json_;
  std::ostream& out_;
};

}  // namespace consentd::consentctl

#endif  // CONSENTD_CLIENT_CONSENTCTL_PRINTER_H_
