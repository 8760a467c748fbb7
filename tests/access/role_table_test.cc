#include "access/role_table.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "consent/v1/admin.pb.h"
#include "consent/v1/audit.pb.h"
#include "consent/v1/consent.pb.h"
#include "consent/v1/feed.pb.h"
#include "consent/v1/requests.pb.h"
#include "consent/v1/scrub.pb.h"
#include "consent/v1/suppression.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace consentd::access {
namespace {

// Every method of every consent.v1 service, as the .proto files declare.
std::vector<std::string> EveryDeclaredMethod() {
  const google::protobuf::FileDescriptor* files[] = {
      consent::v1::CheckRequest::descriptor()->file(),
      consent::v1::ScrubRequest::descriptor()->file(),
      consent::v1::ImportListRequest::descriptor()->file(),
      consent::v1::OpenRequestRequest::descriptor()->file(),
      consent::v1::AuditEntry::descriptor()->file(),
      consent::v1::Change::descriptor()->file(),
      consent::v1::GetStatusRequest::descriptor()->file(),
  };
  std::vector<std::string> methods;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        methods.push_back("/" + service->full_name() + "/" +
                          service->method(m)->name());
      }
    }
  }
  return methods;
}

TEST(RoleTableTest, EveryDeclaredMethodHasARowAndEveryRowARole) {
  for (const std::string& method : EveryDeclaredMethod()) {
    std::optional<RoleSet> roles = RolesAllowedFor(method);
    ASSERT_TRUE(roles.has_value()) << method << " has no row";
    EXPECT_FALSE(roles->empty()) << method;
  }
}

TEST(RoleTableTest, EachRowNamesADeclaredMethodOnce) {
  std::vector<std::string> declared = EveryDeclaredMethod();
  absl::flat_hash_set<std::string> known(declared.begin(), declared.end());
  known.insert(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  known.insert("/grpc.health.v1.Health/Watch");
  absl::flat_hash_set<std::string> seen;
  for (const MethodAccess& row : RoleTable()) {
    EXPECT_TRUE(known.contains(row.method)) << row.method;
    EXPECT_TRUE(seen.insert(std::string(row.method)).second) << row.method;
  }
}

TEST(RoleTableTest, TheRolesOfTheSpec) {
  struct Case {
    const char* method;
    RoleSet allowed;
  };
  const Case cases[] = {
      {"/consent.v1.ConsentService/Check", {Role::kDialer, Role::kCampaign}},
      {"/consent.v1.ConsentService/RecordConsent",
       {Role::kCollector, Role::kDialer}},
      {"/consent.v1.ScrubService/Scrub", {Role::kCampaign}},
      {"/consent.v1.SuppressionListService/ImportList", {Role::kListManager}},
      {"/consent.v1.DataSubjectRequestService/ExportSubject",
       {Role::kPrivacyOfficer}},
      {"/consent.v1.ConsentService/GetRecord", {Role::kPrivacyOfficer}},
      {"/consent.v1.DataSubjectRequestService/GetRequest",
       {Role::kPrivacyOfficer}},
      {"/consent.v1.DataSubjectRequestService/CompleteRequest",
       {Role::kPrivacyOfficer, Role::kAdmin}},
      {"/consent.v1.SuppressionListService/DropList",
       {Role::kListManager, Role::kPrivacyOfficer, Role::kAdmin}},
      {"/consent.v1.ConsentService/RecordObjection",
       {Role::kDialer, Role::kCollector}},
      {"/consent.v1.ConsentService/CheckBatch",
       {Role::kDialer, Role::kCampaign}},
      {"/consent.v1.ScrubService/GetReceipt",
       {Role::kCampaign, Role::kAuditor}},
      {"/consent.v1.AuditService/VerifyAudit", {Role::kAuditor, Role::kAdmin}},
      {"/consent.v1.AdminService/Rekey", {Role::kAdmin}},
      {"/consent.v1.ChangeFeedService/Subscribe", {Role::kDownstream}},
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
       {Role::kAdmin}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RolesAllowedFor(c.method), c.allowed) << c.method;
  }
}

TEST(RoleTableTest, AnUnknownMethodIsNoOnesAndHealthIsEveryones) {
  EXPECT_FALSE(RolesAllowedFor("/consent.v1.ConsentService/Nope").has_value());
  EXPECT_FALSE(RolesAllowedFor("consent.v1.ConsentService/Check").has_value());
  EXPECT_TRUE(IsOpenToEveryone("/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(IsOpenToEveryone("/grpc.health.v1.Health/Watch"));
  EXPECT_EQ(RolesAllowedFor("/grpc.health.v1.Health/Watch"), kEveryRole);
  EXPECT_FALSE(IsOpenToEveryone("/consent.v1.ConsentService/Check"));
}

TEST(RoleTest, NamesRoundTrip) {
  for (int i = 0; i < kRoleCount; ++i) {
    Role role = static_cast<Role>(i);
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParseRole("Dialer").has_value());
  EXPECT_EQ((RoleSet{Role::kAdmin, Role::kDialer}).ToString(), "dialer,admin");
  EXPECT_EQ(RoleSet().ToString(), "");
}

}  // namespace
}  // namespace consentd::access
