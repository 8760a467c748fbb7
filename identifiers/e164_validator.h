// E164Validator: a fast, exact shortcut for phone numbers already written in
// E.164 ("+" and digits). It applies libphonenumber's own metadata (country
// calling codes, national-number patterns, possible lengths, leading
// digits), compiled once into digit automata (DigitPattern), to the number
// as written, without libphonenumber's general-purpose parser, which costs
// far more than the rest of a check.
//
// It answers only where it gives exactly libphonenumber's answer
// (Parse + IsValidNumber + Format(E164) + GetRegionCodeForNumber): a valid
// number whose canonical form is the input itself. Anything else (invalid
// numbers, and numbers libphonenumber might read differently, such as ones
// that begin with their country's national prefix: +49030... is +4930...)
// it leaves to libphonenumber by answering nullopt. A differential test
// against libphonenumber over every region guards the equivalence.
//
// Thread-safety: immutable after construction; safe for concurrent use.
#ifndef CONSENTD_IDENTIFIERS_E164_VALIDATOR_H_
#define CONSENTD_IDENTIFIERS_E164_VALIDATOR_H_

#include <memory>
#include <optional>

#include "absl/strings/string_view.h"

namespace consentd::identifiers {

namespace e164_internal {
struct Tables;
}  // namespace e164_internal

class E164Validator {
 public:
  // Compiles the metadata libphonenumber was built with.
  E164Validator();
  ~E164Validator();
  E164Validator(const E164Validator&) = delete;
  E164Validator& operator=(const E164Validator&) = delete;

  // For `e164` of the form "+" then 7-15 digits, the first not zero: the
  // number's region (ISO 3166-1 alpha-2, or "001" for non-geographic
  // numbers) when it is valid and already canonical; nullopt when
  // libphonenumber must decide.
  std::optional<absl::string_view> ValidRegion(absl::string_view e164) const;

  // Calling codes whose numbers this validator can answer for (the others
  // always go to libphonenumber); for tests and diagnostics.
  int calling_code_count() const;

 private:
  std::unique_ptr<const e164_internal::Tables> tables_;
};

}  // namespace consentd::identifiers

#endif  // CONSENTD_IDENTIFIERS_E164_VALIDATOR_H_
