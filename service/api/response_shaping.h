// Answers shaped by role (SPEC §7): a dialer or a campaign tool gets
// verdicts, reasons and details, never the blind-index digests or the fact
// ids behind them; the roles that work with records (collector, privacy
// officer, auditor, admin) get everything.
#ifndef CONSENTD_SERVICE_API_RESPONSE_SHAPING_H_
#define CONSENTD_SERVICE_API_RESPONSE_SHAPING_H_

#include "access/caller.h"
#include "consent/v1/consent.pb.h"

namespace consentd::api {

// Whether `caller` sees digests and fact ids.
bool SeesRecordDetail(const access::Caller& caller);

// Removes from `decision` what `caller` may not see.
void ShapeDecision(const access::Caller& caller,
                   consent::v1::Decision* decision);

// Removes the fact ids from a write's answer for a caller that may not see
// them.
template <typename WriteResponse>
void ShapeWrite(const access::Caller& caller, WriteResponse* response) {
  if (!SeesRecordDetail(caller)) response->clear_fact_ids();
}

}  // namespace consentd::api

#endif  // CONSENTD_SERVICE_API_RESPONSE_SHAPING_H_
