#include "service/core/store_backup.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/text_proto.h"
#include "crypto/sha256_file.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "service/core/directory_sync.h"
#include "service/version.h"

namespace consentd::core {
namespace {

constexpr size_t kMaxFileNameLength = 128;

absl::Status CheckFileName(const std::string& name) {
  bool ok =
      !name.empty() && name.size() <= kMaxFileNameLength && name.front() != '.';
  for (char c : name) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("file_name: 1-", kMaxFileNameLength,
                     " characters of A-Z a-z 0-9 . _ -, not starting with "
                     "'.' (a name inside the backup directory, no path)"));
  }
  // The names of a backup's manifest and of its files while it is written.
  for (absl::string_view reserved :
       {".manifest", ".partial", "-wal", "-shm", "-journal"}) {
    if (absl::StrContains(name, reserved)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "file_name: names with \"", reserved, "\" are consentd's own"));
    }
  }
  return absl::OkStatus();
}

absl::Status FileError(absl::string_view what, const std::string& path) {
  const int error = errno;
  std::string message = absl::StrCat("backup: cannot ", what, " ", path, ": ",
                                     std::strerror(error));
  return error == ENOSPC || error == EDQUOT
             ? absl::ResourceExhaustedError(message)
             : absl::FailedPreconditionError(message);
}

// Writes `text` to the new file `path` (mode 0600) and syncs it.
absl::Status WriteNewFile(const std::string& path, const std::string& text) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError("create", path);
  absl::Cleanup close_fd = [fd] { close(fd); };
  for (size_t written = 0; written < text.size();) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("write", path);
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return FileError("sync", path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<consent::v1::BackupResponse> WriteBackup(
    store::ConsentStore& store, const BackupTarget& target,
    const Clock& clock) {
  RETURN_IF_ERROR(CheckFileName(target.file_name));
  if (mkdir(target.directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return FileError("create", target.directory);
  }
  const std::string path =
      absl::StrCat(target.directory, "/", target.file_name);
  const std::string manifest_path = path + ".manifest";
  const std::string partial = path + ".partial";
  for (const std::string& taken : {path, manifest_path}) {
    if (access(taken.c_str(), F_OK) == 0) {
      return absl::AlreadyExistsError(absl::StrCat(
          "backup: ", target.file_name,
          " is taken in the backup directory; choose another name"));
    }
  }
  // A crash in an earlier backup under this name left it.
  unlink(partial.c_str());
  absl::Cleanup discard = [&] {
    unlink(partial.c_str());
    unlink(manifest_path.c_str());
  };
  ASSIGN_OR_RETURN(store::BackupContents contents,
                   store.Backup(partial, target.key));
  const absl::Time now = clock();
  ASSIGN_OR_RETURN(crypto::Digest sha256, crypto::Sha256File(partial));

  consent::v1::BackupResponse response;
  response.set_file_name(target.file_name);
  response.set_bytes(contents.bytes);
  *response.mutable_taken_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now));
  response.set_manifest_file_name(target.file_name + ".manifest");
  consent::v1::BackupManifest& manifest = *response.mutable_manifest();
  manifest.set_file_name(target.file_name);
  manifest.set_bytes(contents.bytes);
  manifest.set_sha256(crypto::DigestHex(sha256));
  *manifest.mutable_taken_at() = response.taken_at();
  manifest.set_consentd_version(kConsentdVersion);
  manifest.set_schema_version(contents.schema_version);
  manifest.set_database_key_version(target.key_version);
  manifest.set_facts(contents.facts);
  manifest.set_erasures(contents.erasures);
  manifest.set_requests(contents.requests);
  manifest.set_suppression_lists(contents.lists);
  manifest.set_receipts(contents.receipts);
  manifest.set_audit_entries(contents.audit_entries);
  std::string text;
  google::protobuf::TextFormat::PrintToString(manifest, &text);
  RETURN_IF_ERROR(WriteNewFile(manifest_path, text));
  // Never over a file that appeared under the name meanwhile.
  if (renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, path.c_str(),
                RENAME_NOREPLACE) != 0) {
    return FileError("name the backup", path);
  }
  std::move(discard).Cancel();
  if (!SyncDirectory(target.directory)) {
    return FileError("sync", target.directory);
  }
  return response;
}

absl::StatusOr<consent::v1::BackupManifest> ReadVerifiedManifest(
    const std::string& path) {
  const std::string manifest_path = path + ".manifest";
  std::ifstream in(manifest_path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "restore: no manifest ", manifest_path,
        " beside the backup (consentctl admin backup writes one)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  consent::v1::BackupManifest manifest;
  absl::Status parsed = ParseTextProto(text.str(), &manifest);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("restore: ", manifest_path, ": ", parsed.message()));
  }
  struct stat file;
  if (stat(path.c_str(), &file) != 0) {
    return absl::NotFoundError(absl::StrCat("restore: no backup ", path));
  }
  ASSIGN_OR_RETURN(crypto::Digest sha256, crypto::Sha256File(path));
  if (file.st_size != manifest.bytes() ||
      crypto::DigestHex(sha256) != manifest.sha256()) {
    return absl::DataLossError(absl::StrCat(
        "restore: ", path, " is not the backup its manifest names (size ",
        file.st_size, " for ", manifest.bytes(),
        ", or another SHA-256): damaged or swapped; use another copy"));
  }
  return manifest;
}

}  // namespace consentd::core
