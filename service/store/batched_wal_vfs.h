// BatchedWalVfs: a SQLite VFS over another that writes each transaction's
// WAL frames to the file in one call instead of two per frame.
//
// SQLite writes a WAL frame as its 24-byte header and then its page, each a
// pwrite: ~18 system calls for a group commit of ~9 pages, on the thread
// every write waits for. The frames of a transaction are consecutive, so
// this VFS gathers consecutive writes to a WAL file (up to 1 MiB) and hands
// them to the base VFS as one write when SQLite next syncs, reads,
// truncates, sizes or closes that file, or writes elsewhere in it. SQLite
// reads back exactly what it wrote, and a commit synced with
// synchronous=FULL is on disk when the sync returns, as without this VFS.
// A gathered write that fails is reported by the call that flushed it
// (for a commit, its sync), which fails the transaction.
//
// Other connections read the WAL through the file, so with this VFS a
// commit is visible to them only once synced: use synchronous=FULL (as
// SqlcipherStore does), or one connection per database. Database and other
// files pass straight through.
//
// Thread-safety: registering is safe from any thread; files follow SQLite's
// rules (one connection's file is used by one thread at a time).
#ifndef CONSENTD_SERVICE_STORE_BATCHED_WAL_VFS_H_
#define CONSENTD_SERVICE_STORE_BATCHED_WAL_VFS_H_

#include "absl/status/status.h"

namespace consentd::store {

// Registers, as not the default, a VFS named `name` over the registered VFS
// named `base` (the default VFS when null). Registering a name twice
// changes nothing. Errors: NOT_FOUND when `base` is not registered,
// INTERNAL when SQLite refuses the registration.
absl::Status RegisterBatchedWalVfs(const char* name, const char* base);

}  // namespace consentd::store

#endif  // CONSENTD_SERVICE_STORE_BATCHED_WAL_VFS_H_
