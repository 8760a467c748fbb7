// Identifier builders for tests: Phone("031 123 456"), Email("a@b.si").
#ifndef CONSENTD_TESTS_TESTING_IDENTIFIERS_H_
#define CONSENTD_TESTS_TESTING_IDENTIFIERS_H_

#include <string>

#include "consent/v1/identifier.pb.h"

namespace consentd::testing {

inline consent::v1::Identifier Phone(const std::string& number) {
  consent::v1::Identifier identifier;
  identifier.set_phone(number);
  return identifier;
}

inline consent::v1::Identifier Email(const std::string& address) {
  consent::v1::Identifier identifier;
  identifier.set_email(address);
  return identifier;
}

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_IDENTIFIERS_H_
