#include "store/sqlite/sqlite_db.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/catch_all.h"
#include "common/log.h"
#include "common/uri_encoding.h"
#include "store/sqlite/wal_batching_vfs.h"

namespace sluice::store::sqlite {

namespace {

// FNV-1a over the bytes, then the splitmix64 finaliser so that ids differing in a few
// characters land far apart.
uint64_t MixedHash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return Mix64(h);
}

void KeyHashFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const unsigned char* p = sqlite3_value_text(argv[0]);
  const int n = sqlite3_value_bytes(argv[0]);
  sqlite3_result_int64(
      ctx, TextKeyHash(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n))));
}

// sluice_contains(text, part): 1 when `part` occurs in `text`, 0 when not, null when either is
// null. SQLite's instr() compares at every byte offset with a call of its own (and counts
// characters for its answer); memmem skips ahead. A scan's JSON matches test it on every row in
// range.
void ContainsFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const void* text = sqlite3_value_text(argv[0]);
  const size_t text_bytes = static_cast<size_t>(sqlite3_value_bytes(argv[0]));
  const void* part = sqlite3_value_text(argv[1]);
  const size_t part_bytes = static_cast<size_t>(sqlite3_value_bytes(argv[1]));
  if (text == nullptr || part == nullptr) {  // out of memory converting a value to text
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_int(ctx, memmem(text, text_bytes, part, part_bytes) != nullptr ? 1 : 0);
}

}  // namespace

int64_t TextKeyHash(std::string_view text) { return static_cast<int64_t>(MixedHash(text)); }

Status SqliteError(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return UnavailableError(msg);
    case SQLITE_CONSTRAINT: return AlreadyExistsError(msg);
    case SQLITE_FULL: return ResourceExhaustedError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return DataLossError(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM: return FailedPreconditionError(msg);
    default: return InternalError(msg);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::Bind(int i, std::string_view v) {
  sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBorrowed(int i, std::string_view v) {
  sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBorrowedOrNull(int i, std::string_view v) {
  return v.empty() ? BindNull(i) : BindBorrowed(i, v);
}

Statement& Statement::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Statement& Statement::BindOrNull(int i, std::string_view v) {
  return v.empty() ? BindNull(i) : Bind(i, v);
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = SqliteError(rc, db_, "sqlite step");
  sqlite3_reset(stmt_);
  return s;
}

Status Statement::Run() {
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status();
  }
}

std::string Statement::Text(int col) const { return std::string(TextView(col)); }

std::string_view Statement::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

namespace {

// A connection's own settings, which every connection sets: none of them takes the write lock.
// No memory map of the database file: a map covers the start of the file, where a large store
// keeps its oldest rows, and what a connection touched of it stayed in the process's RSS (the
// writer's 256 MiB map was half of a server's peak RSS at 1M stored spans, for no CPU measured:
// docs/benchmarks.md, "As the store grows to 10M spans").
constexpr std::string_view kConnectionSettings =
    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
    "PRAGMA cache_size=-65536; PRAGMA mmap_size=0; PRAGMA secure_delete=FAST;";

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto c, OpenBare(path));
  // The file's settings, first (page size and auto-vacuum only take effect in a new database):
  // kept in the file, so only its first connection needs them.
  SLUICE_RETURN_IF_ERROR(
      c->Exec("PRAGMA page_size=16384; PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL;"));
  SLUICE_RETURN_IF_ERROR(c->Exec(kConnectionSettings));
  return c;
}

Result<std::unique_ptr<Connection>> Connection::OpenAnother(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto c, OpenBare(path));
  SLUICE_RETURN_IF_ERROR(c->Exec(kConnectionSettings));
  return c;
}

Result<std::unique_ptr<Connection>> Connection::OpenBare(const std::string& path) {
  // SQLite counts every allocation under a global mutex unless told otherwise before its first
  // use; nothing reads the counts, and a scan merging segments allocates for every value it
  // passes on (12M times for 1M spans). Refused (and harmless) if SQLite is already in use.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  // URIs are taken (for AttachReadOnly), so a path that reads as one is made plainly relative.
  const std::string file = path.starts_with("file:") ? "./" + path : path;
  // Through the VFS that writes a transaction's WAL frames together (wal_batching_vfs.h).
  const int rc = sqlite3_open_v2(
      file.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
      WalBatchingVfsName());
  if (rc != SQLITE_OK) {
    Status s = SqliteError(rc, db, "open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Connection> c(new Connection(db));
  sqlite3_busy_timeout(db, 10'000);
  const int frc = sqlite3_create_function_v2(db, "sluice_key_hash", 1,
                                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                             nullptr, &KeyHashFunction, nullptr, nullptr, nullptr);
  if (frc != SQLITE_OK) return SqliteError(frc, db, "registering sluice_key_hash");
  const int crc = sqlite3_create_function_v2(db, "sluice_contains", 2,
                                             SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                             nullptr, &ContainsFunction, nullptr, nullptr, nullptr);
  if (crc != SQLITE_OK) return SqliteError(crc, db, "registering sluice_contains");
  return c;
}

// Runs PASSIVE checkpoints on its own connection when the writer's WAL hook asks for one.
class BackgroundCheckpointer {
 public:
  BackgroundCheckpointer(std::unique_ptr<Connection> conn, int wal_pages)
      : conn_(std::move(conn)), wal_pages_(wal_pages), thread_([this] { Loop(); }) {}
  ~BackgroundCheckpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  bool WalLong() const { return wal_pages_now_.load(std::memory_order_relaxed) >= 2 * wal_pages_; }

  // See Connection::CheckpointNow; `writer` is the writer's own handle.
  void CheckpointNow(sqlite3* writer, std::mutex& writer_lock) {
    Passive(conn_->raw());
    std::lock_guard<std::mutex> lock(writer_lock);
    Passive(writer);
  }

  // The writer's WAL hook: called after each commit with the pages now in the WAL.
  static int OnCommit(void* self_ptr, sqlite3* db, const char* schema, int pages) {
    auto* self = static_cast<BackgroundCheckpointer*>(self_ptr);
    self->wal_pages_now_.store(pages, std::memory_order_relaxed);
    if (pages >= 8 * self->wal_pages_) {
      // Far behind: wait for a running checkpoint, then restart the WAL from this connection.
      const auto start = std::chrono::steady_clock::now();
      std::lock_guard<std::mutex> lock(self->checkpoint_mu_);
      sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      if (ms >= 250) self->NoteLongWait(ms, pages);
    } else if (pages >= self->wal_pages_) {
      {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->pending_ = true;
      }
      self->cv_.notify_one();
    }
    return SQLITE_OK;
  }

 private:
  // A PASSIVE checkpoint on `db`, after any other checkpoint of either connection.
  void Passive(sqlite3* db) {
    std::lock_guard<std::mutex> running(checkpoint_mu_);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }

  // Logs commits that waited 250 ms or more for a checkpoint: the first at once, then at most one
  // line a minute with how many there were since and the longest. Called by the writer only.
  void NoteLongWait(int64_t ms, int pages) {
    const auto now = std::chrono::steady_clock::now();
    ++long_waits_;
    longest_wait_ms_ = std::max(longest_wait_ms_, ms);
    if (logged_long_wait_ && now - last_long_wait_log_ < std::chrono::minutes(1)) return;
    SLUICE_LOG_WARN(
        "writes waited for WAL checkpoints (the checkpoints cannot keep up with the writes): "
        "{} time(s) since the last such line, longest {} ms; {} pages in the WAL now",
        long_waits_, longest_wait_ms_, pages);
    long_waits_ = 0;
    longest_wait_ms_ = 0;
    last_long_wait_log_ = now;
    logged_long_wait_ = true;
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stop_ || pending_; });
      if (stop_) return;
      pending_ = false;
      lock.unlock();
      // A failed checkpoint is tried again after the next commits.
      (void)CatchAll("wal checkpoint", [this] { Passive(conn_->raw()); });
      lock.lock();
    }
  }

  std::unique_ptr<Connection> conn_;
  const int wal_pages_;
  std::mutex checkpoint_mu_;           // held while either connection runs a checkpoint
  std::atomic<int> wal_pages_now_{0};  // the WAL's pages after the writer's last commit
  // Long waits not yet logged (writer only).
  int64_t long_waits_ = 0;
  int64_t longest_wait_ms_ = 0;
  std::chrono::steady_clock::time_point last_long_wait_log_;
  bool logged_long_wait_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;  // guarded by mu_
  bool stop_ = false;     // guarded by mu_
  std::thread thread_;    // last: started once the rest is ready
};

Connection::Connection(sqlite3* db) : db_(db) {}

Status Connection::AttachReadOnly(const std::string& path, std::string_view schema) {
  // As a URI, for mode=ro: every byte but the unreserved ones and '/' percent-encoded; an
  // absolute path after an empty authority ("file:///…"), so that "//host/…" stays a path.
  const std::string uri = (path.starts_with('/') ? "file://" : "file:") +
                          UriEncode(path, /*encode_slash=*/false) + "?mode=ro";
  SLUICE_ASSIGN_OR_RETURN(Statement * s, Prepare("ATTACH ?1 AS " + std::string(schema)));
  return s->Bind(1, uri).Run().WithContext("attaching " + path);
}

Status Connection::CheckpointInBackground(const std::string& path, int wal_pages) {
  SLUICE_ASSIGN_OR_RETURN(auto conn, Connection::OpenAnother(path));
  // Copying WAL frames needs neither a page cache nor a memory map of the database.
  SLUICE_RETURN_IF_ERROR(conn->Exec("PRAGMA mmap_size=0; PRAGMA cache_size=-1024;"));
  sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
  checkpointer_ = std::make_unique<BackgroundCheckpointer>(std::move(conn), std::max(1, wal_pages));
  sqlite3_wal_hook(db_, &BackgroundCheckpointer::OnCommit, checkpointer_.get());
  return Status();
}

bool Connection::WalLong() const { return checkpointer_ != nullptr && checkpointer_->WalLong(); }

void Connection::CheckpointNow(std::mutex& writer_lock) {
  if (checkpointer_ != nullptr) checkpointer_->CheckpointNow(db_, writer_lock);
}

Connection::~Connection() {
  if (checkpointer_ != nullptr) {
    sqlite3_wal_hook(db_, nullptr, nullptr);
    checkpointer_.reset();
  }
  index_.clear();
  lru_.clear();
  sqlite3_close(db_);
}

Status Connection::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string s(sql);
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "";
    sqlite3_free(err);
    return SqliteError(rc, nullptr, "sqlite exec: " + msg);
  }
  return Status();
}

Result<Statement*> Connection::Prepare(std::string_view sql) {
  auto it = index_.find(sql);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->stmt->Reset();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, db_, "prepare");
  lru_.push_front({std::string(sql), std::make_unique<Statement>(db_, stmt)});
  index_.emplace(lru_.front().sql, lru_.begin());
  Statement* result = lru_.front().stmt.get();
  EvictBeyondCapacity();
  return result;
}

void Connection::set_statement_cache_capacity(size_t capacity) {
  capacity_ = capacity == 0 ? 1 : capacity;
  EvictBeyondCapacity();
}

void Connection::EvictBeyondCapacity() {
  while (index_.size() > capacity_) {
    index_.erase(lru_.back().sql);
    lru_.pop_back();
  }
}

Transaction::~Transaction() {
  if (open_) c_.Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Begin() {
  SLUICE_RETURN_IF_ERROR(c_.Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status();
}

Status Transaction::Commit() {
  SLUICE_RETURN_IF_ERROR(c_.Exec("COMMIT"));
  open_ = false;
  return Status();
}

ReadSnapshot::~ReadSnapshot() { End(); }

// BEGIN and ROLLBACK from the connection's statement cache: a fetch by id runs both.
void ReadSnapshot::End() {
  if (!open_) return;
  open_ = false;
  auto rollback = c_.Prepare("ROLLBACK");
  if (rollback.ok()) (*rollback)->Run().IgnoreError();
}

Status ReadSnapshot::Begin() {
  SLUICE_ASSIGN_OR_RETURN(Statement * begin, c_.Prepare("BEGIN DEFERRED"));
  SLUICE_RETURN_IF_ERROR(begin->Run());
  open_ = true;
  return Status();
}

}  // namespace sluice::store::sqlite
