// ListDigest: the SHA-256 that names a scrubbed list in its receipt. Each
// row is hashed as a 4-byte big-endian length followed by the row's
// deterministic protobuf serialization, in order, so the caller can compute
// the same digest from what it sent and match it against the receipt.
//
// Thread-safety: one ListDigest is used by one thread.
#ifndef CONSENTD_CRYPTO_LIST_DIGEST_H_
#define CONSENTD_CRYPTO_LIST_DIGEST_H_

#include <memory>
#include <string>

#include "consent/v1/scrub.pb.h"

struct evp_md_ctx_st;

namespace consentd::crypto {

class ListDigest {
 public:
  ListDigest();
  ~ListDigest();
  ListDigest(const ListDigest&) = delete;
  ListDigest& operator=(const ListDigest&) = delete;

  void AddRow(const consent::v1::ScrubRow& row);

  // The 32-byte digest of every row added. Call once.
  std::string Finish();

 private:
  evp_md_ctx_st* ctx_;
  std::string buffer_;
};

}  // namespace consentd::crypto

#endif  // CONSENTD_CRYPTO_LIST_DIGEST_H_
