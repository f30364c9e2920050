#include "cli/import_cli.h"

#include <chrono>
#include <ostream>
#include <thread>

#include "cli/api_client.h"
#include "common/json_writer.h"

namespace sluice::cli {

namespace {

int64_t Int(const Json& j, const char* key) {
  const Json* v = j.Find(key);
  return v != nullptr && v->is_number() ? static_cast<int64_t>(v->number_value()) : 0;
}

std::string Str(const Json& j, const char* key) {
  const Json* v = j.Find(key);
  return v != nullptr && v->is_string() ? v->string_value() : std::string();
}

void PrintProgress(const Json& job, std::ostream& err) {
  err << "import: " << Int(job, "files_done") << "/" << Int(job, "files_total") << " files, "
      << Int(job, "rows") << " rows, " << Int(job, "bytes") << " bytes";
  if (Int(job, "rows_filtered") > 0) {
    err << ", " << Int(job, "rows_filtered") << " left out by the filter";
  }
  if (Int(job, "rows_present") > 0) {
    err << ", " << Int(job, "rows_present") << " left as they are (there, or older versions)";
  }
  err << std::endl;
}

std::string RequestBody(const ImportArgs& a) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  if (!a.automation_id.empty()) w.Member("automation_id", a.automation_id);
  if (!a.source.empty()) w.Member("export_path", a.source);
  if (!a.retention_run.empty()) w.Member("retention_run_id", a.retention_run);
  if (!a.from_date.empty()) w.Member("from", a.from_date);
  if (!a.to_date.empty()) w.Member("to", a.to_date);
  if (!a.filter.empty()) w.Member("filter", a.filter);
  w.EndObject();
  return body;
}

}  // namespace

CLI::App* AddImportCommand(CLI::App& app, ImportArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Bring the rows of an export back into a project's logs, an experiment or a dataset, "
      "through a running server (checked against the export's manifests; importing twice "
      "changes nothing)");
  cmd->add_option("source", a.source, "A file:///dir export (for a bucket, use --automation)");
  cmd->add_option("--automation", a.automation_id,
                  "The export automation whose destination to read, with its identity");
  cmd->add_option("--retention-run", a.retention_run,
                  "Bring back what this retention run deleted, from its policy's archive files "
                  "(archive_first)");
  cmd->add_option("--project", a.project, "Project whose logs receive the rows");
  cmd->add_option("--experiment", a.experiment, "Experiment that receives the rows");
  cmd->add_option("--dataset", a.dataset, "Dataset that receives the rows");
  cmd->add_option("--from", a.from_date, "First date folder (YYYY-MM-DD) to import");
  cmd->add_option("--to", a.to_date, "Last date folder (YYYY-MM-DD) to import");
  cmd->add_option("--filter", a.filter, "Only rows matching this BTQL filter expression");
  cmd->add_option("--url", a.url, "The server")->envname("SLUICE_URL")->capture_default_str();
  cmd->add_option("--api-key", a.api_key,
                  "API key (default: SLUICE_API_KEY, then <data-dir>/credentials)");
  cmd->add_option("--data-dir", a.data_dir, "Where the credentials file is")->capture_default_str();
  return cmd;
}

int RunImportCli(const ImportArgs& a, std::ostream& out, std::ostream& err) {
  const int targets = !a.project.empty() + !a.experiment.empty() + !a.dataset.empty();
  const int sources = !a.source.empty() + !a.automation_id.empty() + !a.retention_run.empty();
  if (targets != 1 || sources != 1) {
    err << "error: give one source (file:///dir, --automation <export id> or --retention-run "
           "<run id>) and where the rows go, once: --project <id>, --experiment <id> or "
           "--dataset <id>\n";
    return 2;
  }
  auto key = ResolveApiKey(a.api_key, a.data_dir);
  if (!key.ok()) {
    err << "error: " << key.status().message() << "\n";
    return 2;
  }
  const std::string object = !a.project.empty()      ? "project_logs/" + a.project
                             : !a.experiment.empty() ? "experiment/" + a.experiment
                                                     : "dataset/" + a.dataset;
  Api api(a.url, *key);
  auto job = api.Call("POST", "/v1/" + object + "/import", RequestBody(a));
  if (!job.ok()) {
    err << "error: " << job.status().message() << "\n";
    return job.status().message().find("HTTP 400") == 0 ? 2 : 1;
  }
  const std::string id = Str(*job, "id");
  std::string last;
  for (;;) {
    const std::string state = Str(*job, "status");
    const std::string now =
        std::to_string(Int(*job, "files_done")) + "/" + std::to_string(Int(*job, "rows"));
    if (now != last || state != "running") PrintProgress(*job, err);
    last = now;
    if (state == "success") {
      out << "imported " << Int(*job, "rows") << " rows from " << Int(*job, "files_done")
          << " files (" << Int(*job, "bytes") << " bytes)\n";
      return 0;
    }
    if (state != "running") {
      err << "error: " << Str(*job, "error") << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    job = api.Call("GET", "/v1/import/" + id);
    if (!job.ok()) {
      err << "error: " << job.status().message() << "\n";
      return 1;
    }
  }
}

}  // namespace sluice::cli
