#include "service/store/batched_wal_vfs.h"

#include <sqlcipher/sqlite3.h>

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace consentd::store {
namespace {

// At most this much is gathered; a transaction larger than that (a list
// import spilling pages) is written in pieces. SQLite's unix VFS writes at
// most 128 KiB - 1 bytes a call: it masks each length to 17 bits.
constexpr size_t kMaxGathered = 64 << 10;

// Consecutive writes to a WAL file not yet handed to the base VFS.
struct Gathered {
  std::string bytes;
  sqlite3_int64 offset = 0;
};

// What SQLite allocates for each file (szOsFile): this header, then the
// base VFS's file.
struct BatchedFile {
  sqlite3_file file;   // first: SQLite sees only this
  Gathered* gathered;  // WAL files only; null for every other file

  sqlite3_file* base() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(BatchedFile) % alignof(std::max_align_t) == 0,
              "the base VFS's file must start aligned");

BatchedFile* Of(sqlite3_file* file) {
  return reinterpret_cast<BatchedFile*>(file);
}
sqlite3_vfs* BaseVfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}
const sqlite3_io_methods& BaseMethods(BatchedFile* file) {
  return *file->base()->pMethods;
}

// Hands what is gathered to the base VFS.
int Flush(BatchedFile* file) {
  Gathered* gathered = file->gathered;
  if (gathered == nullptr || gathered->bytes.empty()) return SQLITE_OK;
  const int rc = BaseMethods(file).xWrite(
      file->base(), gathered->bytes.data(),
      static_cast<int>(gathered->bytes.size()), gathered->offset);
  // Not retried: the transaction that wrote it fails.
  gathered->bytes.clear();
  return rc;
}

int Close(sqlite3_file* f) {
  BatchedFile* file = Of(f);
  const int flushed = Flush(file);
  const int closed = BaseMethods(file).xClose(file->base());
  delete file->gathered;
  file->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  BatchedFile* file = Of(f);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return BaseMethods(file).xRead(file->base(), out, amount, offset);
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  BatchedFile* file = Of(f);
  Gathered* gathered = file->gathered;
  if (gathered == nullptr) {
    return BaseMethods(file).xWrite(file->base(), data, amount, offset);
  }
  const size_t size = static_cast<size_t>(amount);
  const bool follows = offset == gathered->offset + static_cast<sqlite3_int64>(
                                                        gathered->bytes.size());
  if (!gathered->bytes.empty() &&
      (!follows || gathered->bytes.size() + size > kMaxGathered)) {
    if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  }
  if (size > kMaxGathered) {
    return BaseMethods(file).xWrite(file->base(), data, amount, offset);
  }
  if (gathered->bytes.empty()) gathered->offset = offset;
  gathered->bytes.append(static_cast<const char*>(data), size);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  BatchedFile* file = Of(f);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return BaseMethods(file).xTruncate(file->base(), size);
}

int Sync(sqlite3_file* f, int flags) {
  BatchedFile* file = Of(f);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return BaseMethods(file).xSync(file->base(), flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  BatchedFile* file = Of(f);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return BaseMethods(file).xFileSize(file->base(), size);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  // Some controls size or map the file: they see it whole.
  BatchedFile* file = Of(f);
  if (int rc = Flush(file); rc != SQLITE_OK) return rc;
  return BaseMethods(file).xFileControl(file->base(), op, arg);
}

// The rest pass straight through. Shared memory and fetch exist from
// io_methods versions 2 and 3.
const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    [](sqlite3_file* f, int lock) {
      return BaseMethods(Of(f)).xLock(Of(f)->base(), lock);
    },
    [](sqlite3_file* f, int lock) {
      return BaseMethods(Of(f)).xUnlock(Of(f)->base(), lock);
    },
    [](sqlite3_file* f, int* reserved) {
      return BaseMethods(Of(f)).xCheckReservedLock(Of(f)->base(), reserved);
    },
    FileControl,
    [](sqlite3_file* f) {
      return BaseMethods(Of(f)).xSectorSize(Of(f)->base());
    },
    [](sqlite3_file* f) {
      return BaseMethods(Of(f)).xDeviceCharacteristics(Of(f)->base());
    },
    [](sqlite3_file* f, int page, int page_size, int extend,
       void volatile** out) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      return base.iVersion >= 2
                 ? base.xShmMap(Of(f)->base(), page, page_size, extend, out)
                 : SQLITE_IOERR_SHMMAP;
    },
    [](sqlite3_file* f, int offset, int n, int flags) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      return base.iVersion >= 2 ? base.xShmLock(Of(f)->base(), offset, n, flags)
                                : SQLITE_IOERR_SHMLOCK;
    },
    [](sqlite3_file* f) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      if (base.iVersion >= 2) base.xShmBarrier(Of(f)->base());
    },
    [](sqlite3_file* f, int delete_flag) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      return base.iVersion >= 2 ? base.xShmUnmap(Of(f)->base(), delete_flag)
                                : SQLITE_OK;
    },
    [](sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      if (base.iVersion < 3) {
        *out = nullptr;  // "not mapped": SQLite reads instead
        return SQLITE_OK;
      }
      return base.xFetch(Of(f)->base(), offset, amount, out);
    },
    [](sqlite3_file* f, sqlite3_int64 offset, void* page) {
      const sqlite3_io_methods& base = BaseMethods(Of(f));
      return base.iVersion >= 3 ? base.xUnfetch(Of(f)->base(), offset, page)
                                : SQLITE_OK;
    },
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags,
         int* out_flags) {
  BatchedFile* file = Of(f);
  file->gathered = (flags & SQLITE_OPEN_WAL) != 0 ? new Gathered() : nullptr;
  sqlite3_vfs* base = BaseVfs(vfs);
  const int rc = base->xOpen(base, name, file->base(), flags, out_flags);
  // SQLite closes a file whose open failed only if it has methods.
  if (file->base()->pMethods != nullptr) {
    file->file.pMethods = &kMethods;
  } else {
    file->file.pMethods = nullptr;
    delete file->gathered;
    file->gathered = nullptr;
  }
  return rc;
}

// A registered VFS must outlive every connection: these are never freed.
struct Registered {
  sqlite3_vfs vfs;
  std::string name;
};

absl::Mutex registry_mu(absl::kConstInit);

}  // namespace

absl::Status RegisterBatchedWalVfs(const char* name, const char* base_name) {
  absl::MutexLock lock(&registry_mu);
  if (sqlite3_vfs_find(name) != nullptr) return absl::OkStatus();
  sqlite3_vfs* base = sqlite3_vfs_find(base_name);
  if (base == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("store: no SQLite VFS named ", base_name));
  }
  auto* registered = new Registered();
  registered->name = name;
  sqlite3_vfs& vfs = registered->vfs;
  vfs.iVersion = 2;  // without the system-call hooks only SQLite's tests use
  vfs.szOsFile = static_cast<int>(sizeof(BatchedFile)) + base->szOsFile;
  vfs.mxPathname = base->mxPathname;
  vfs.zName = registered->name.c_str();
  vfs.pAppData = base;
  vfs.xOpen = Open;
  vfs.xDelete = [](sqlite3_vfs* v, const char* path, int sync_dir) {
    return BaseVfs(v)->xDelete(BaseVfs(v), path, sync_dir);
  };
  vfs.xAccess = [](sqlite3_vfs* v, const char* path, int flags, int* out) {
    return BaseVfs(v)->xAccess(BaseVfs(v), path, flags, out);
  };
  vfs.xFullPathname = [](sqlite3_vfs* v, const char* path, int size,
                         char* out) {
    return BaseVfs(v)->xFullPathname(BaseVfs(v), path, size, out);
  };
  vfs.xDlOpen = [](sqlite3_vfs* v, const char* path) {
    return BaseVfs(v)->xDlOpen(BaseVfs(v), path);
  };
  vfs.xDlError = [](sqlite3_vfs* v, int size, char* out) {
    BaseVfs(v)->xDlError(BaseVfs(v), size, out);
  };
  vfs.xDlSym = [](sqlite3_vfs* v, void* library, const char* symbol) {
    return BaseVfs(v)->xDlSym(BaseVfs(v), library, symbol);
  };
  vfs.xDlClose = [](sqlite3_vfs* v, void* library) {
    BaseVfs(v)->xDlClose(BaseVfs(v), library);
  };
  vfs.xRandomness = [](sqlite3_vfs* v, int size, char* out) {
    return BaseVfs(v)->xRandomness(BaseVfs(v), size, out);
  };
  vfs.xSleep = [](sqlite3_vfs* v, int micros) {
    return BaseVfs(v)->xSleep(BaseVfs(v), micros);
  };
  vfs.xCurrentTime = [](sqlite3_vfs* v, double* out) {
    return BaseVfs(v)->xCurrentTime(BaseVfs(v), out);
  };
  vfs.xGetLastError = [](sqlite3_vfs* v, int size, char* out) {
    return BaseVfs(v)->xGetLastError(BaseVfs(v), size, out);
  };
  // SQLite falls back on xCurrentTime when this is null.
  if (base->iVersion >= 2 && base->xCurrentTimeInt64 != nullptr) {
    vfs.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
      return BaseVfs(v)->xCurrentTimeInt64(BaseVfs(v), out);
    };
  }
  if (int rc = sqlite3_vfs_register(&vfs, /*makeDflt=*/0); rc != SQLITE_OK) {
    delete registered;
    return absl::InternalError(absl::StrCat(
        "store: cannot register SQLite VFS ", name, ": ", sqlite3_errstr(rc)));
  }
  return absl::OkStatus();
}

}  // namespace consentd::store
