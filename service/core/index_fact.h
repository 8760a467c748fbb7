// IndexFactOf: the compact index form (policy::Fact) of a stored fact.
#ifndef CONSENTD_SERVICE_CORE_INDEX_FACT_H_
#define CONSENTD_SERVICE_CORE_INDEX_FACT_H_

#include "policy/fact.h"
#include "policy/policy_model.h"
#include "service/store/fact_record.h"

namespace consentd::core {

static_assert(store::kNeverExpires == policy::kNoExpiry,
              "a fact that never lapses is the same instant in both");

// `Record` is store::FactRecord or store::FactSummary. Purposes and channels
// the policy no longer defines become kRetiredScope.
template <typename Record>
policy::Fact IndexFactOf(const Record& record,
                         const policy::PolicyModel& policy) {
  policy::Fact fact;
  fact.fact_id = record.fact_id;
  fact.effective_us = record.recorded_us;
  fact.expires_us = record.expires_us;
  fact.kind = record.kind;
  fact.purpose = policy.StoredPurpose(record.purpose);
  fact.channel = policy.StoredChannel(record.channel);
  fact.subject_initiated = record.subject_initiated;
  return fact;
}

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_INDEX_FACT_H_
