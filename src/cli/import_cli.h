// `sluice import`: asks a running sluice server to import an export back into a project's logs,
// an experiment or a dataset (POST /v1/<object>/<id>/import), then follows the import, printing
// its progress (files, rows, bytes) on stderr until it ends. The server does the work, so the
// import never races the server for the store.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace sluice::cli {

struct ImportArgs {
  std::string source;         // file:///dir, or empty with --automation
  std::string automation_id;  // an export automation: its destination and identity
  std::string retention_run;  // a retention run whose archive files hold what it deleted
  // Exactly one names where the rows go.
  std::string project;
  std::string experiment;
  std::string dataset;
  std::string from_date;
  std::string to_date;
  std::string filter;
  std::string url = "http://127.0.0.1:8000";
  std::string api_key;  // empty: SLUICE_API_KEY, then <data_dir>/credentials
  std::string data_dir = "./sluice-data";
};

// Adds the subcommand to `app`; its flags fill `args`.
CLI::App* AddImportCommand(CLI::App& app, ImportArgs& args);
// Exit code: 0 imported, 1 the import failed (the message names the file), 2 bad usage.
int RunImportCli(const ImportArgs& args, std::ostream& out, std::ostream& err);

}  // namespace sluice::cli
