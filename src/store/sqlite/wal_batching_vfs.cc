#include "store/sqlite/wal_batching_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

namespace sluice::store::sqlite {
namespace {

constexpr const char* kName = "sluice-wal-batching";
// What is gathered before it is written regardless.
constexpr size_t kMaxGathered = 4u << 20;
// The most one write to the platform's file takes: SQLite's Unix VFS writes less than 128 KiB
// per call (more would be cut short and reported as a full disk), so a flush hands it pieces of
// seven frames of 16 KiB pages.
constexpr size_t kMaxWrite = 112u << 10;
// A WAL frame's header: page number, database size after commit (0 but in a commit frame), salts,
// checksums. SQLite writes it on its own, right before the frame's page; no other write to a WAL
// file has this size (its header is 32 bytes, a page at least 512).
constexpr int kFrameHeaderBytes = 24;

sqlite3_vfs* g_real = nullptr;  // the platform's VFS, which does the work
sqlite3_vfs g_vfs;

struct File {
  sqlite3_file base;   // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* real;  // the platform's file, in the same allocation after this struct
  // WAL files only (null otherwise): the writes gathered, which start at offset `at`.
  std::string* gathered;
  sqlite3_int64 at;
  // The last write was a commit frame's header: the next write, its page, ends the commit.
  bool commit_header;
  // A database file's WAL while it is open, and a WAL's database file (when opened through this
  // VFS): SQLite publishes a commit through the database file's shared index.
  File* wal;
  File* db;
};

constexpr size_t kRealOffset =
    (sizeof(File) + alignof(std::max_align_t) - 1) & ~(alignof(std::max_align_t) - 1);

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods& RealMethods(File* f) { return *f->real->pMethods; }

// Writes what is gathered. On failure it is dropped: SQLite fails the call that asked, and a
// transaction whose frames did not all reach the file is not committed.
int Flush(File* f) {
  if (f->gathered == nullptr || f->gathered->empty()) return SQLITE_OK;
  const std::string& g = *f->gathered;
  int rc = SQLITE_OK;
  for (size_t done = 0; done < g.size() && rc == SQLITE_OK;) {
    const size_t n = std::min(kMaxWrite, g.size() - done);
    rc = RealMethods(f).xWrite(f->real, g.data() + done, static_cast<int>(n),
                               f->at + static_cast<sqlite3_int64>(done));
    done += n;
  }
  f->gathered->clear();
  return rc;
}

int Close(sqlite3_file* pf) {
  File* f = Of(pf);
  const int flushed = Flush(f);
  if (f->db != nullptr) f->db->wal = nullptr;
  if (f->wal != nullptr) f->wal->db = nullptr;
  const int rc = RealMethods(f).xClose(f->real);
  delete f->gathered;
  f->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int Write(sqlite3_file* pf, const void* buf, int amt, sqlite3_int64 off) {
  File* f = Of(pf);
  if (f->gathered == nullptr) return RealMethods(f).xWrite(f->real, buf, amt, off);
  std::string& g = *f->gathered;
  if (!g.empty() && off != f->at + static_cast<sqlite3_int64>(g.size())) {
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  }
  const bool header = amt == kFrameHeaderBytes;
  const bool ends_commit = f->commit_header && !header;
  const auto* bytes = static_cast<const unsigned char*>(buf);
  f->commit_header = header && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  if (g.empty()) f->at = off;
  try {
    g.append(static_cast<const char*>(buf), static_cast<size_t>(amt));
  } catch (const std::bad_alloc&) {
    // Written as it comes, after what is gathered.
    if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
    return RealMethods(f).xWrite(f->real, buf, amt, off);
  }
  if (ends_commit || g.size() >= kMaxGathered) return Flush(f);
  return SQLITE_OK;
}

// Every other use of the file: what is gathered is written first (a read then sees it, a sync
// makes it durable, a size counts it), then the platform's method runs.
template <auto kMethod, typename... Args>
int FlushThen(sqlite3_file* pf, Args... args) {
  File* f = Of(pf);
  if (const int rc = Flush(f); rc != SQLITE_OK) return rc;
  return (RealMethods(f).*kMethod)(f->real, args...);
}

// What reads or writes nothing of the file's contents.
template <auto kMethod, typename... Args>
int Forward(sqlite3_file* pf, Args... args) {
  File* f = Of(pf);
  return (RealMethods(f).*kMethod)(f->real, args...);
}

// Called on the database file between the two copies of the WAL index header SQLite writes to
// publish a commit. The commit's frames were written when its commit frame was (Write above), so
// nothing of its WAL is gathered here; were anything left, it is written before the header can
// be read whole.
void ShmBarrier(sqlite3_file* pf) {
  File* f = Of(pf);
  if (f->wal != nullptr) (void)Flush(f->wal);
  RealMethods(f).xShmBarrier(f->real);
}

using M = sqlite3_io_methods;
constexpr auto Read = FlushThen<&M::xRead, void*, int, sqlite3_int64>;
constexpr auto Truncate = FlushThen<&M::xTruncate, sqlite3_int64>;
constexpr auto Sync = FlushThen<&M::xSync, int>;
constexpr auto FileSize = FlushThen<&M::xFileSize, sqlite3_int64*>;
constexpr auto Lock = FlushThen<&M::xLock, int>;
constexpr auto Unlock = FlushThen<&M::xUnlock, int>;
constexpr auto CheckReservedLock = FlushThen<&M::xCheckReservedLock, int*>;
constexpr auto FileControl = FlushThen<&M::xFileControl, int, void*>;
constexpr auto SectorSize = Forward<&M::xSectorSize>;
constexpr auto DeviceCharacteristics = Forward<&M::xDeviceCharacteristics>;
constexpr auto ShmMap = FlushThen<&M::xShmMap, int, int, int, void volatile**>;
constexpr auto ShmLock = FlushThen<&M::xShmLock, int, int, int>;
constexpr auto ShmUnmap = FlushThen<&M::xShmUnmap, int>;
constexpr auto Fetch = FlushThen<&M::xFetch, sqlite3_int64, int, void**>;
constexpr auto Unfetch = Forward<&M::xUnfetch, sqlite3_int64, void*>;

// One method table per version the platform's files may have (the shared-memory calls from 2,
// the memory-map calls from 3), so SQLite asks only for what the file can do.
const sqlite3_io_methods* MethodsFor(int version) {
  static const sqlite3_io_methods tables[3] = {
      {1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
       FileControl, SectorSize, DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr,
       nullptr},
      {2, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
       FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap,
       nullptr, nullptr},
      {3, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock,
       FileControl, SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch,
       Unfetch},
  };
  if (version >= 3) return &tables[2];
  return version == 2 ? &tables[1] : &tables[0];
}

// Whether `f` was opened through this VFS.
bool IsThisVfs(const sqlite3_file* f) {
  for (int version = 1; version <= 3; ++version) {
    if (f->pMethods == MethodsFor(version)) return true;
  }
  return false;
}

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* pf, int flags, int* out_flags) {
  File* f = Of(pf);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(pf) + kRealOffset);
  f->real->pMethods = nullptr;
  f->gathered = nullptr;
  f->at = 0;
  f->commit_header = false;
  f->wal = nullptr;
  f->db = nullptr;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) return rc;  // nothing opened, nothing to close
  f->base.pMethods = MethodsFor(f->real->pMethods->iVersion);
  if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) != 0) {
    f->gathered = new (std::nothrow) std::string;  // null: writes pass straight through
    sqlite3_file* db = sqlite3_database_file_object(name);
    if (f->gathered != nullptr && db != nullptr && IsThisVfs(db)) {
      f->db = Of(db);
      f->db->wal = f;
    }
  }
  return rc;
}

// The rest of the VFS is the platform's, called with its own handle.
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}
int SetSystemCall(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr p) {
  return g_real->xSetSystemCall(g_real, name, p);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs*, const char* name) {
  return g_real->xGetSystemCall(g_real, name);
}
const char* NextSystemCall(sqlite3_vfs*, const char* name) {
  return g_real->xNextSystemCall(g_real, name);
}

void Register() {
  g_real = sqlite3_vfs_find(nullptr);
  if (g_real == nullptr) return;
  g_vfs = sqlite3_vfs{};
  g_vfs.iVersion = g_real->iVersion >= 3 ? 3 : g_real->iVersion;
  g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
  g_vfs.mxPathname = g_real->mxPathname;
  g_vfs.zName = kName;
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_vfs.xAccess = Access;
  g_vfs.xFullPathname = FullPathname;
  g_vfs.xDlOpen = g_real->xDlOpen != nullptr ? DlOpen : nullptr;
  g_vfs.xDlError = g_real->xDlError != nullptr ? DlError : nullptr;
  g_vfs.xDlSym = g_real->xDlSym != nullptr ? DlSym : nullptr;
  g_vfs.xDlClose = g_real->xDlClose != nullptr ? DlClose : nullptr;
  g_vfs.xRandomness = Randomness;
  g_vfs.xSleep = Sleep;
  g_vfs.xCurrentTime = CurrentTime;
  g_vfs.xGetLastError = GetLastError;
  if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  if (g_vfs.iVersion >= 3) {
    g_vfs.xSetSystemCall = SetSystemCall;
    g_vfs.xGetSystemCall = GetSystemCall;
    g_vfs.xNextSystemCall = NextSystemCall;
  }
  if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) g_real = nullptr;
}

}  // namespace

const char* WalBatchingVfsName() {
  static std::once_flag once;
  std::call_once(once, Register);
  return g_real != nullptr ? kName : nullptr;
}

}  // namespace sluice::store::sqlite
