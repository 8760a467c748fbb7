// The shipped default policy (policy/default_policy.textproto), compiled
// into the binary so that consentd starts anywhere without a policy file.
#ifndef CONSENTD_POLICY_DEFAULT_POLICY_H_
#define CONSENTD_POLICY_DEFAULT_POLICY_H_

#include "absl/strings/string_view.h"

namespace consentd::policy {

// The text of default_policy.textproto.
absl::string_view DefaultPolicyText();

}  // namespace consentd::policy

#endif  // CONSENTD_POLICY_DEFAULT_POLICY_H_
