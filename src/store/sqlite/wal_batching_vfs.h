// A SQLite VFS over the platform's own that writes a transaction's WAL frames in large writes.
//
// SQLite writes each WAL frame with two system calls (its 24-byte header, then the page); on the
// store's writer the WAL commit was a quarter of a commit's time, most of it in those calls
// (docs/benchmarks.md, "Less work on the writer per row" and "WAL frames written together").
// Through this VFS a WAL file gathers writes that continue one another in memory and hands them to
// the file in large pieces (up to 112 KiB, what the platform's VFS takes in one call):
// - when a transaction's commit frame has been written (the frame header that carries the
//   database size after commit), before the write returns, so a commit's errors are SQLite's as
//   before and its frames are in the file before any other connection can learn of them (SQLite
//   publishes a commit in the WAL index only after its writes return);
// - before any other use of the file (a read, a sync, a size, a truncation, a lock, the shared
//   index's calls, a file control, closing it), before a write that does not continue the last,
//   and once 4 MiB are gathered;
// - and, whatever was gathered, when SQLite publishes a commit: at the memory barrier it asks of
//   the database file between its two copies of the WAL index header (the database file knows
//   its WAL), so no other connection can read the index of a frame not in the file.
// Durability is unchanged: SQLite syncs the WAL when it did before, and a sync writes what is
// gathered first. Other files (the database, temporary files) pass straight through.
#pragma once

namespace sluice::store::sqlite {

// The VFS's name, registered (once, not as the default) by the first call.
const char* WalBatchingVfsName();

}  // namespace sluice::store::sqlite
