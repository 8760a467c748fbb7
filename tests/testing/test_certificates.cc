#include "tests/testing/test_certificates.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <iostream>

namespace consentd::testing {
namespace {

void Require(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "test certificates: " << what << " failed\n";
    std::abort();
  }
}

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  Require(key != nullptr, "EC key generation");
  return key;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1,
          "PEM key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string CertificatePem(X509* certificate) {
  BIO* bio = BIO_new(BIO_s_mem());
  Require(PEM_write_bio_X509(bio, certificate) == 1, "PEM certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

void AddExtension(X509* certificate, X509* issuer, int nid,
                  const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  Require(extension != nullptr, "certificate extension");
  Require(X509_add_ext(certificate, extension, -1) == 1, "adding extension");
  X509_EXTENSION_free(extension);
}

// An unsigned certificate for `subject_key` named `common_name`, issued by
// `issuer` (itself when null: self-signed).
X509* NewCertificate(EVP_PKEY* subject_key, const std::string& common_name,
                     X509* issuer) {
  static long serial = 1;
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 24 * 3600);
  X509_set_pubkey(certificate, subject_key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(
      certificate, issuer == nullptr ? name : X509_get_subject_name(issuer));
  return certificate;
}

void Sign(X509* certificate, EVP_PKEY* issuer_key) {
  Require(X509_sign(certificate, issuer_key, EVP_sha256()) > 0, "signing");
}

}  // namespace

struct TestCertificateAuthority::Key {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  ~Key() {
    X509_free(certificate);
    EVP_PKEY_free(key);
  }
};

TestCertificateAuthority::TestCertificateAuthority(const std::string& name)
    : key_(std::make_unique<Key>()), name_(name) {
  key_->key = NewKey();
  key_->certificate = NewCertificate(key_->key, name, nullptr);
  AddExtension(key_->certificate, key_->certificate, NID_basic_constraints,
               "critical,CA:TRUE");
  AddExtension(key_->certificate, key_->certificate, NID_key_usage,
               "critical,keyCertSign,cRLSign");
  AddExtension(key_->certificate, key_->certificate, NID_subject_key_identifier,
               "hash");
  Sign(key_->certificate, key_->key);
  certificate_ = CertificatePem(key_->certificate);
}

TestCertificateAuthority::~TestCertificateAuthority() = default;

KeyPair TestCertificateAuthority::IssueServer() const {
  EVP_PKEY* key = NewKey();
  X509* certificate = NewCertificate(key, "localhost", key_->certificate);
  AddExtension(certificate, key_->certificate, NID_subject_alt_name,
               "DNS:localhost,IP:127.0.0.1");
  AddExtension(certificate, key_->certificate, NID_ext_key_usage, "serverAuth");
  Sign(certificate, key_->key);
  KeyPair pair{CertificatePem(certificate), KeyPem(key)};
  X509_free(certificate);
  EVP_PKEY_free(key);
  return pair;
}

KeyPair TestCertificateAuthority::IssueClient(const std::string& common_name,
                                              const std::string& uri) const {
  EVP_PKEY* key = NewKey();
  X509* certificate = NewCertificate(key, common_name, key_->certificate);
  if (!uri.empty()) {
    AddExtension(certificate, key_->certificate, NID_subject_alt_name,
                 "URI:" + uri);
  }
  AddExtension(certificate, key_->certificate, NID_ext_key_usage, "clientAuth");
  Sign(certificate, key_->key);
  KeyPair pair{CertificatePem(certificate), KeyPem(key)};
  X509_free(certificate);
  EVP_PKEY_free(key);
  return pair;
}

}  // namespace consentd::testing
