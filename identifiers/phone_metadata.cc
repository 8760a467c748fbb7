#include "identifiers/phone_metadata.h"

// Exported by libphonenumber (its generated metadata.cc) but not declared in
// its installed headers.
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace consentd::identifiers {

bool ParseCompiledPhoneMetadata(
    i18n::phonenumbers::PhoneMetadataCollection* out) {
  return out->ParseFromArray(i18n::phonenumbers::metadata_get(),
                             i18n::phonenumbers::metadata_size());
}

}  // namespace consentd::identifiers
