#include "service/api/response_shaping.h"

namespace consentd::api {

bool SeesRecordDetail(const access::Caller& caller) {
  return caller.roles.Intersects(
      {access::Role::kCollector, access::Role::kPrivacyOfficer,
       access::Role::kAuditor, access::Role::kAdmin});
}

void ShapeDecision(const access::Caller& caller,
                   consent::v1::Decision* decision) {
  if (SeesRecordDetail(caller)) return;
  for (consent::v1::IdentifierDecision& identifier :
       *decision->mutable_identifiers()) {
    identifier.mutable_identifier()->clear_digest();
    identifier.clear_deciding_fact_id();
  }
}

}  // namespace consentd::api
