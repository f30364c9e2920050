// Store: the persistence interface of sluice, made of one role interface per concern:
// Catalog (orgs, projects, experiments, datasets, API keys), EventStore (rows and scans),
// AutomationStore (automations and runs), ExportLedger (export state and files), RetentionStore
// (retention marks, restore, purge) and LeaseStore (leases across processes). Code that needs
// one role takes that interface; code that takes a Store& has them all. Backends:
// store/sqlite (embedded default) and store/postgres (several processes sharing one database);
// tests use testing::FakeStore. No backend types appear here. Row writes follow DESIGN.md §3:
// every write transaction gets one `_xact_id` that only grows, taken inside the transaction;
// rows are kept in `_xact_id` order.
#pragma once

#include "store/automation_store.h"
#include "store/catalog.h"
#include "store/event_store.h"
#include "store/export_ledger.h"
#include "store/lease_store.h"
#include "store/retention_store.h"

namespace sluice::store {

// Every role of the store. Thread-safe: every method may be called from any thread
// concurrently.
class Store : public Catalog,
              public EventStore,
              public AutomationStore,
              public ExportLedger,
              public RetentionStore,
              public LeaseStore {
 public:
  ~Store() override = default;
};

}  // namespace sluice::store
