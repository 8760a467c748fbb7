// libphonenumber's compiled-in metadata: every region's calling code,
// patterns and example numbers, the bytes its PhoneNumberUtil loads.
//
// Thread-safety: a pure function; safe to call from any thread.
#ifndef CONSENTD_IDENTIFIERS_PHONE_METADATA_H_
#define CONSENTD_IDENTIFIERS_PHONE_METADATA_H_

#include "phonenumbers/phonemetadata.pb.h"

namespace consentd::identifiers {

// Parses the metadata into `out`; false if the bytes do not parse.
bool ParseCompiledPhoneMetadata(
    i18n::phonenumbers::PhoneMetadataCollection* out);

}  // namespace consentd::identifiers

#endif  // CONSENTD_IDENTIFIERS_PHONE_METADATA_H_
