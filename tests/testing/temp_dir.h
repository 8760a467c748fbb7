// TempDir: a fresh directory under $TEST_TMPDIR or /tmp, removed with
// everything in it when the object goes out of scope.
#ifndef CONSENTD_TESTS_TESTING_TEMP_DIR_H_
#define CONSENTD_TESTS_TESTING_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace consentd::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern =
        std::string(base != nullptr ? base : "/tmp") + "/consentd-test-XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace consentd::testing

#endif  // CONSENTD_TESTS_TESTING_TEMP_DIR_H_
