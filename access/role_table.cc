#include "access/role_table.h"

#include <string>

#include "absl/container/flat_hash_map.h"

namespace consentd::access {
namespace {

constexpr Role kDialer = Role::kDialer;
constexpr Role kCampaign = Role::kCampaign;
constexpr Role kCollector = Role::kCollector;
constexpr Role kListManager = Role::kListManager;
constexpr Role kOfficer = Role::kPrivacyOfficer;
constexpr Role kAuditor = Role::kAuditor;
constexpr Role kDownstream = Role::kDownstream;
constexpr Role kAdmin = Role::kAdmin;

constexpr MethodAccess kTable[] = {
    // ConsentService. RecordConsent: a dialer only withdraws.
    {"/consent.v1.ConsentService/RecordConsent", {kCollector, kDialer}},
    {"/consent.v1.ConsentService/RecordObjection", {kDialer, kCollector}},
    {"/consent.v1.ConsentService/Check", {kDialer, kCampaign}},
    {"/consent.v1.ConsentService/CheckBatch", {kDialer, kCampaign}},
    {"/consent.v1.ConsentService/GetRecord", {kOfficer}},
    {"/consent.v1.ConsentService/ExplainCheck", {kOfficer, kAdmin}},
    // ScrubService.
    {"/consent.v1.ScrubService/Scrub", {kCampaign}},
    {"/consent.v1.ScrubService/GetReceipt", {kCampaign, kAuditor}},
    {"/consent.v1.ScrubService/GetReceiptKey", {kCampaign, kAuditor, kAdmin}},
    // SuppressionListService. DropList: the second principal must be a
    // privacy officer or an admin.
    {"/consent.v1.SuppressionListService/ImportList", {kListManager}},
    {"/consent.v1.SuppressionListService/ListLists",
     {kListManager, kAuditor, kAdmin}},
    {"/consent.v1.SuppressionListService/DropList",
     {kListManager, kOfficer, kAdmin}},
    // DataSubjectRequestService. CompleteRequest of an erasure: a second
    // privacy officer or an admin.
    {"/consent.v1.DataSubjectRequestService/OpenRequest", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/VerifyIdentity", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/ExtendRequest", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/CompleteRequest",
     {kOfficer, kAdmin}},
    {"/consent.v1.DataSubjectRequestService/RejectRequest", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/GetRequest", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/ListRequests", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/ExportSubject", {kOfficer}},
    {"/consent.v1.DataSubjectRequestService/LiftRestriction", {kOfficer}},
    // AuditService.
    {"/consent.v1.AuditService/ListAuditEntries", {kAuditor, kAdmin}},
    {"/consent.v1.AuditService/GetCheckpoint", {kAuditor, kAdmin}},
    {"/consent.v1.AuditService/VerifyAudit", {kAuditor, kAdmin}},
    // ChangeFeedService.
    {"/consent.v1.ChangeFeedService/Subscribe", {kDownstream}},
    {"/consent.v1.ChangeFeedService/Acknowledge", {kDownstream}},
    // AdminService.
    {"/consent.v1.AdminService/GetStatus", {kAdmin, kAuditor}},
    {"/consent.v1.AdminService/GetPolicy", {kAdmin, kAuditor}},
    {"/consent.v1.AdminService/Backup", {kAdmin}},
    {"/consent.v1.AdminService/Rekey", {kAdmin}},
    // A health watch holds a stream open: for known callers only.
    {"/grpc.health.v1.Health/Watch",
     {kDialer, kCampaign, kCollector, kListManager, kOfficer, kAuditor,
      kDownstream, kAdmin}},
    // Server reflection lists every method: for operators only.
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     {kAdmin}},
};

const absl::flat_hash_map<std::string, RoleSet>& TableByMethod() {
  static const auto* by_method = [] {
    auto* map = new absl::flat_hash_map<std::string, RoleSet>();
    for (const MethodAccess& row : kTable) {
      map->emplace(std::string(row.method), row.roles);
    }
    return map;
  }();
  return *by_method;
}

}  // namespace

absl::Span<const MethodAccess> RoleTable() { return kTable; }

std::optional<RoleSet> RolesAllowedFor(absl::string_view method) {
  const auto& table = TableByMethod();
  auto it = table.find(method);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

bool IsOpenToEveryone(absl::string_view method) {
  return method == "/grpc.health.v1.Health/Check";
}

}  // namespace consentd::access
