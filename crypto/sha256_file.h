// Sha256File: the SHA-256 of a file's bytes, read in blocks, for naming a
// backup in its manifest so that a restore can tell a damaged copy.
#ifndef CONSENTD_CRYPTO_SHA256_FILE_H_
#define CONSENTD_CRYPTO_SHA256_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "crypto/digest.h"

namespace consentd::crypto {

// Errors: FAILED_PRECONDITION when the file cannot be read (the message
// names the path and the system's reason).
absl::StatusOr<Digest> Sha256File(const std::string& path);

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_SHA256_FILE_H_
