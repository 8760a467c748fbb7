#include "crypto/list_digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace consentd::crypto {
namespace {

void Check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

ListDigest::ListDigest() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  Check(EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr));
}

ListDigest::~ListDigest() { EVP_MD_CTX_free(ctx_); }

void ListDigest::AddRow(const consent::v1::ScrubRow& row) {
  buffer_.clear();
  {
    google::protobuf::io::StringOutputStream stream(&buffer_);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    row.SerializeToCodedStream(&coded);
  }
  const uint32_t size = static_cast<uint32_t>(buffer_.size());
  const unsigned char length[4] = {static_cast<unsigned char>(size >> 24),
                                   static_cast<unsigned char>(size >> 16),
                                   static_cast<unsigned char>(size >> 8),
                                   static_cast<unsigned char>(size)};
  Check(EVP_DigestUpdate(ctx_, length, sizeof(length)));
  Check(EVP_DigestUpdate(ctx_, buffer_.data(), buffer_.size()));
}

std::string ListDigest::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  Check(EVP_DigestFinal_ex(ctx_, digest, &length));
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace consentd::crypto
