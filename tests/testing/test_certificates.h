// TestCertificates: a throw-away PKI made with OpenSSL when a test starts,
// so that no private key is ever committed: a CA, a server certificate for
// localhost and 127.0.0.1, and client certificates signed by that CA (or
// by a second, untrusted CA).
#ifndef CONSENTD_TESTS_TESTING_TEST_CERTIFICATES_H_
#define CONSENTD_TESTS_TESTING_TEST_CERTIFICATES_H_

#include <memory>
#include <string>

namespace consentd::testing {

// A certificate and its private key, PEM.
struct KeyPair {
  std::string certificate;
  std::string private_key;
};

class TestCertificateAuthority {
 public:
  // A new CA named `name` with a fresh P-256 key.
  explicit TestCertificateAuthority(const std::string& name);
  ~TestCertificateAuthority();

  const std::string& certificate() const { return certificate_; }

  // A server certificate for DNS "localhost" and IP 127.0.0.1.
  KeyPair IssueServer() const;
  // A client certificate with subject CN `common_name` and, when not empty,
  // the URI subject alternative name `uri`.
  KeyPair IssueClient(const std::string& common_name,
                      const std::string& uri) const;

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string name_;
  std::string certificate_;
};

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_TEST_CERTIFICATES_H_
