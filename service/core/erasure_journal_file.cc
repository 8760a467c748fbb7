#include "service/core/erasure_journal_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "crypto/hmac_sha256.h"
#include "service/core/directory_sync.h"

namespace consentd::core {
namespace {

constexpr absl::string_view kTag = "erasure";

absl::Status SystemError(absl::string_view what, const std::string& path) {
  const int error = errno;
  std::string message = absl::StrCat("erasure journal: cannot ", what, " ",
                                     path, ": ", std::strerror(error));
  return error == ENOSPC || error == EDQUOT || error == EFBIG
             ? absl::ResourceExhaustedError(message)
             : absl::FailedPreconditionError(message);
}

bool IsRequestId(absl::string_view id) {
  if (id.empty() || id.size() > ErasureJournalFile::kMaxRequestIdLength) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The line without its MAC: "erasure <us> <request> <hex>,<hex>...".
std::string Body(const JournalledErasure& erasure) {
  std::string body =
      absl::StrCat(kTag, " ", erasure.erased_us, " ", erasure.request_id, " ");
  for (size_t i = 0; i < erasure.digests.size(); ++i) {
    if (i > 0) body.push_back(',');
    absl::StrAppend(&body, crypto::DigestHex(erasure.digests[i]));
  }
  return body;
}

crypto::Digest MacOf(const crypto::SecretKey& key,
                     const crypto::Digest& previous, absl::string_view body) {
  return crypto::HmacSha256(key,
                            absl::StrCat(crypto::DigestBytes(previous), body));
}

absl::Status BadLine(size_t line, absl::string_view why) {
  return absl::DataLossError(absl::StrCat(
      "erasure journal: line ", line, " ", why,
      " (altered, reordered or written under another keyring); consentd "
      "will not start on it: restore the journal from its own copy"));
}

// Parses and verifies one whole line (no newline) against `previous`.
absl::StatusOr<JournalledErasure> ParseLine(absl::string_view text, size_t line,
                                            const crypto::SecretKey& key,
                                            crypto::Digest& previous) {
  std::vector<absl::string_view> fields = absl::StrSplit(text, ' ');
  JournalledErasure erasure;
  if (fields.size() != 5 || fields[0] != kTag ||
      !absl::SimpleAtoi(fields[1], &erasure.erased_us) ||
      !IsRequestId(fields[2])) {
    return BadLine(line, "is not an erasure record");
  }
  erasure.request_id = std::string(fields[2]);
  for (absl::string_view hex : absl::StrSplit(fields[3], ',')) {
    std::optional<crypto::Digest> digest = crypto::DigestFromHex(hex);
    if (!digest ||
        erasure.digests.size() == ErasureJournalFile::kMaxDigestsPerErasure) {
      return BadLine(line, "is not an erasure record");
    }
    erasure.digests.push_back(*digest);
  }
  std::optional<crypto::Digest> mac = crypto::DigestFromHex(fields[4]);
  const absl::string_view body =
      text.substr(0, text.size() - fields[4].size() - 1);
  if (!mac || *mac != MacOf(key, previous, body)) {
    return BadLine(line, "does not verify");
  }
  previous = *mac;
  return erasure;
}

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string text;
  char block[1 << 16];
  while (true) {
    const ssize_t got = pread(fd, block, sizeof(block), text.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return SystemError("read", path);
    if (got == 0) return text;
    text.append(block, static_cast<size_t>(got));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ErasureJournalFile>> ErasureJournalFile::Open(
    const std::string& path, const crypto::SecretKey& key) {
  bool created = false;
  int fd = open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    fd = open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
              0600);
    created = fd >= 0;
  }
  if (fd < 0) return SystemError("open", path);
  std::unique_ptr<ErasureJournalFile> journal(
      new ErasureJournalFile(path, fd, key));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "erasure journal: ", path, " is in use by another process"));
  }
  if (created && !SyncDirectory(DirectoryOf(path))) {
    return SystemError("sync the directory of", path);
  }
  ASSIGN_OR_RETURN(std::string text, ReadAll(fd, path));
  absl::MutexLock lock(&journal->mu_);
  size_t start = 0;
  size_t line = 1;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1, ++line) {
    ASSIGN_OR_RETURN(
        JournalledErasure erasure,
        ParseLine(absl::string_view(text).substr(start, end - start), line, key,
                  journal->last_mac_));
    journal->erasures_.push_back(std::move(erasure));
  }
  journal->end_ = static_cast<off_t>(start);
  if (start != text.size()) {
    // A line torn by a crash: its erasure was never acknowledged.
    if (ftruncate(fd, journal->end_) != 0 || fsync(fd) != 0) {
      return SystemError("cut the torn last line of", path);
    }
  }
  return journal;
}

ErasureJournalFile::ErasureJournalFile(std::string path, int fd,
                                       const crypto::SecretKey& key)
    : path_(std::move(path)), fd_(fd), key_(key) {}

ErasureJournalFile::~ErasureJournalFile() { close(fd_); }

absl::Status ErasureJournalFile::Append(const JournalledErasure& erasure) {
  if (erasure.digests.empty() ||
      erasure.digests.size() > kMaxDigestsPerErasure) {
    return absl::InvalidArgumentError(
        absl::StrCat("erasure journal: an erasure names 1 to ",
                     kMaxDigestsPerErasure, " digests"));
  }
  if (!IsRequestId(erasure.request_id)) {
    return absl::InvalidArgumentError(
        "erasure journal: the request id is empty, too long or has spaces");
  }
  absl::MutexLock lock(&mu_);
  if (broken_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "erasure journal: ", path_,
        " could not be cut back after a failed append; restart consentd"));
  }
  const std::string body = Body(erasure);
  const crypto::Digest mac = MacOf(key_, last_mac_, body);
  const std::string line =
      absl::StrCat(body, " ", crypto::DigestHex(mac), "\n");
  size_t written = 0;
  absl::Status status = absl::OkStatus();
  while (written < line.size()) {
    const ssize_t n = write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = SystemError("append to", path_);
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (status.ok() && fdatasync(fd_) != 0) status = SystemError("sync", path_);
  if (!status.ok()) {
    // Cut what was written, so the next line chains from the last whole
    // one. Where even that fails, later lines would not verify: refuse
    // them until a restart, whose Open cuts a torn line (a whole one is an
    // erasure the database is then given: erasing is what was asked).
    if (ftruncate(fd_, end_) != 0) broken_ = true;
    return status;
  }
  end_ += static_cast<off_t>(line.size());
  last_mac_ = mac;
  erasures_.push_back(erasure);
  return absl::OkStatus();
}

std::vector<JournalledErasure> ErasureJournalFile::erasures() const {
  absl::MutexLock lock(&mu_);
  return erasures_;
}

}  // namespace consentd::core
