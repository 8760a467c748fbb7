// SyncDirectory: fsync of a directory, so that a file created or renamed
// in it survives a power loss, as the file's own fsync does not ensure.
// Shared by what core keeps in files of its own (the audit anchor, the
// erasure journal, backups); each names the file in its own errors.
#ifndef CONSENTD_SERVICE_CORE_DIRECTORY_SYNC_H_
#define CONSENTD_SERVICE_CORE_DIRECTORY_SYNC_H_

#include <string>

namespace consentd::core {

// The directory holding `path` ("." for a bare name).
std::string DirectoryOf(const std::string& path);

// Opens and syncs `dir`; false, with errno set, when either fails.
bool SyncDirectory(const std::string& dir);

}  // namespace consentd::core

#endif  // CONSENTD_SERVICE_CORE_DIRECTORY_SYNC_H_
