// The `sluice` command: `serve` runs the API server; `admin` manages projects and API keys on
// the store directly; `automation` runs, inspects and resets automations of a running server.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/automation_command.h"
#include "cli/import_cli.h"
#include "cloud/probe.h"
#include "common/log.h"
#include "common/malloc_arenas.h"
#include "common/time_util.h"
#include "common/uuid.h"
#include "server/admin.h"
#include "server/probe_command.h"
#include "server/server.h"

namespace sluice::cli {
namespace {

int Fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Serve(const server::ServerConfig& config, const std::string& log_level) {
  InitLogging(log_level);
  // SIGINT/SIGTERM are taken by one watcher thread, which stops the server; in-flight requests
  // finish, then the store closes.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto srv = server::Server::Create(config, RealClock());
  if (!srv.ok()) return Fail(srv.status());
  auto boot = server::BootstrapIfEmpty((*srv)->store(), config.data_dir, RealClock());
  if (!boot.ok()) return Fail(boot.status());
  if (boot->created) {
    std::cout << "First start: created org, project and an admin API key (shown once; also in "
              << boot->credentials_path << ", mode 0600):\n"
              << "  org_id     " << boot->org_id << "\n"
              << "  project_id " << boot->project_id << "\n"
              << "  api_key    " << boot->api_key << "\n"
              << std::flush;
  }
  auto port = (*srv)->Bind();
  if (!port.ok()) return Fail(port.status());
  std::cout << "sluice listening on http://" << server::ParseListen(config.listen)->first << ":"
            << *port << std::endl;
  SLUICE_LOG_INFO("listening port={} data_dir={} allocator={}", *port, config.data_dir,
                  AllocatorName());

  server::Server* raw = srv->get();
  std::thread watcher([&signals, raw] {
    int sig = 0;
    sigwait(&signals, &sig);
    SLUICE_LOG_INFO("signal {} received: finishing in-flight requests", sig);
    raw->Stop();
  });
  Status served = (*srv)->Serve();
  // Wake the watcher if Serve ended on its own.
  if (watcher.joinable()) {
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
  }
  srv->reset();  // closes the store cleanly
  SLUICE_LOG_INFO("stopped");
  if (!served.ok()) return Fail(served);
  return 0;
}

struct AdminArgs {
  std::string data_dir = "./sluice-data";
  std::string store;
  std::string org;
};

Result<std::unique_ptr<store::Store>> OpenForAdmin(const AdminArgs& a) {
  return server::OpenStore(a.store, a.data_dir);
}

int CreateProject(const AdminArgs& a, const std::string& name) {
  auto st = OpenForAdmin(a);
  if (!st.ok()) return Fail(st.status());
  auto org = server::ResolveOrg(**st, a.org);
  if (!org.ok()) return Fail(org.status());
  Status valid = model::ValidateName("--name", name);
  if (!valid.ok()) return Fail(valid);
  auto p = (*st)->CreateProject({NewUuid(), *org, name, "", RealClock().NowMicros()});
  if (!p.ok()) return Fail(p.status());
  std::cout << p->id << "\n";
  return 0;
}

int CreateOrg(const AdminArgs& a, const std::string& name) {
  auto st = OpenForAdmin(a);
  if (!st.ok()) return Fail(st.status());
  Status valid = model::ValidateName("--name", name);
  if (!valid.ok()) return Fail(valid);
  auto org = (*st)->CreateOrg(name);
  if (!org.ok()) return Fail(org.status());
  server::KeyRequest req;
  req.org_id = org->id;
  req.name = "admin";
  req.permission = model::Permission::kAdmin;
  auto m = server::CreateKey(**st, req, RealClock().NowMicros());
  if (!m.ok()) return Fail(m.status());
  std::cout << "org_id=" << org->id << "\napi_key=" << m->plaintext << "\n";
  return 0;
}

int CreateKey(const AdminArgs& a, server::KeyRequest req, const std::string& permission,
              bool service_token) {
  auto st = OpenForAdmin(a);
  if (!st.ok()) return Fail(st.status());
  auto org = server::ResolveOrg(**st, a.org);
  if (!org.ok()) return Fail(org.status());
  auto perm = model::ParsePermission(permission);
  if (!perm.ok()) return Fail(perm.status());
  req.org_id = *org;
  req.permission = *perm;
  req.kind = service_token ? model::KeyKind::kServiceToken : model::KeyKind::kApiKey;
  auto m = server::CreateKey(**st, req, RealClock().NowMicros());
  if (!m.ok()) return Fail(m.status());
  std::cerr << "key id " << m->key.id << " (the secret below is shown only once)\n";
  std::cout << m->plaintext << "\n";
  return 0;
}

int ListKeys(const AdminArgs& a) {
  auto st = OpenForAdmin(a);
  if (!st.ok()) return Fail(st.status());
  auto org = server::ResolveOrg(**st, a.org);
  if (!org.ok()) return Fail(org.status());
  auto keys = (*st)->ListApiKeys(*org);
  if (!keys.ok()) return Fail(keys.status());
  std::printf("%-36s  %-13s  %-20s  %-8s  %s\n", "ID", "KIND", "NAME", "STATE", "GRANTS");
  for (const auto& k : *keys) {
    std::string grants;
    for (const auto& g : k.grants) {
      if (!grants.empty()) grants += ",";
      grants += (g.project_id.empty() ? std::string("org") : g.project_id) + ":" +
                std::string(model::PermissionName(g.permission));
    }
    std::printf("%-36s  %-13s  %-20s  %-8s  %s\n", k.id.c_str(),
                k.kind == model::KeyKind::kApiKey ? "api_key" : "service_token", k.name.c_str(),
                k.revoked ? "revoked" : "active", grants.c_str());
  }
  return 0;
}

int RevokeKey(const AdminArgs& a, const std::string& id) {
  auto st = OpenForAdmin(a);
  if (!st.ok()) return Fail(st.status());
  auto org = server::ResolveOrg(**st, a.org);
  if (!org.ok()) return Fail(org.status());
  Status s = (*st)->RevokeApiKey(*org, id, RealClock().NowMicros());
  if (!s.ok()) return Fail(s);
  std::cout << "revoked " << id << "\n";
  return 0;
}

int Probe(const server::ProbeOptions& options) {
  auto steps = server::RunProbe(options);
  for (const auto& step : steps) {
    std::cout << (step.ok ? "ok      " : "FAILED  ") << step.name;
    if (!step.message.empty()) std::cout << ": " << step.message;
    std::cout << "\n";
  }
  const bool ok = cloud::ProbeSucceeded(steps);
  std::cout << (ok ? "sluice can export to " : "sluice cannot export to ") << options.destination
            << "\n";
  return ok ? 0 : 1;
}

}  // namespace

// The one path-style flag of every command that reaches S3 (`serve`, `storage probe`).
void AddS3PathStyleFlag(CLI::App& command, bool& path_style) {
  command
      .add_flag("--s3-path-style", path_style,
                "Path-style S3 addressing (<endpoint>/<bucket>/<key>) for S3-compatible stores; "
                "automatic for an endpoint that is an IP address or localhost")
      ->envname("SLUICE_S3_PATH_STYLE");
}

// `serve`: its flags fill `config` and `log_level`.
CLI::App* AddServeCommand(CLI::App& app, server::ServerConfig& config, std::string& log_level) {
  CLI::App* serve = app.add_subcommand("serve", "Run the API server");
  serve->add_option("--data-dir", config.data_dir, "Data directory (embedded store, credentials)")
      ->capture_default_str();
  serve->add_option("--listen", config.listen, "host:port to listen on")->capture_default_str();
  serve
      ->add_option(
          "--store", config.store,
          "Store: sqlite:PATH (default <data-dir>/sluice.db) or postgres://user@host:port/db")
      ->envname("SLUICE_STORE");
  serve
      ->add_option("--max-body-bytes", config.max_body_bytes,
                   "Largest request body accepted; larger ones get 413")
      ->capture_default_str();
  serve
      ->add_option("--max-answer-bytes", config.max_answer_bytes,
                   "Most bytes of rows in one /btql or fetch answer; a page that reaches it ends "
                   "early with a cursor for the rest")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 40))
      ->capture_default_str();
  serve
      ->add_option("--scheduler-tick-seconds", config.scheduler_tick_seconds,
                   "How often due automation runs and purges are started (0 = never)")
      ->capture_default_str();
  serve
      ->add_option("--lease-seconds", config.lease_seconds,
                   "TTL of the store lease an automation run holds (renewed every third); after "
                   "a crash another process takes the run over once it expires")
      ->envname("SLUICE_LEASE_SECONDS")
      ->check(CLI::Range(int64_t{1}, int64_t{86'400}))
      ->capture_default_str();
  serve
      ->add_option("--public-url", config.public_url,
                   "The URL clients reach this server at, handed to the Braintrust SDKs as their "
                   "API URL (default: the scheme and Host of each request)")
      ->envname("SLUICE_PUBLIC_URL");
  serve
      ->add_option("--logs3-payload-max-bytes", config.logs3_payload_max_bytes,
                   "Largest /logs3 request the SDKs send directly; larger batches are uploaded "
                   "first (at most --max-body-bytes)")
      ->check(CLI::Range(int64_t{1024}, int64_t{1} << 40))
      ->capture_default_str();
  serve
      ->add_option("--otel-attributes", config.otel_attributes,
                   "OpenTelemetry attributes no convention maps, kept in metadata: all (span and "
                   "resource), span, or none")
      ->check(CLI::IsMember({"all", "span", "none"}))
      ->capture_default_str();
  serve->add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
  AddS3PathStyleFlag(*serve, config.s3_path_style);
  return serve;
}

// `admin` and its subcommands, which work on the store directly.
struct AdminCommand {
  AdminArgs args;
  std::string org_name;      // create-org
  std::string project_name;  // create-project
  server::KeyRequest key;    // create-key
  std::string permission = "read";
  bool service_token = false;
  std::string revoke_id;  // revoke-key
  CLI::App* admin = nullptr;
  CLI::App* create_org = nullptr;
  CLI::App* create_project = nullptr;
  CLI::App* create_key = nullptr;
  CLI::App* revoke_key = nullptr;
};

void AddAdminCommand(CLI::App& app, AdminCommand& c) {
  CLI::App* admin = c.admin = app.add_subcommand("admin", "Manage projects and API keys");
  admin->require_subcommand(1);
  admin->add_option("--data-dir", c.args.data_dir, "Data directory")->capture_default_str();
  admin->add_option("--store", c.args.store, "Store: sqlite:PATH or postgres://user@host:port/db")
      ->envname("SLUICE_STORE");
  admin->add_option("--org", c.args.org, "Org id (default: the only org)");

  c.create_org = admin->add_subcommand(
      "create-org", "Create another org with an admin API key; prints org_id= and api_key=");
  c.create_org->add_option("--name", c.org_name, "Org name")->required();

  c.create_project = admin->add_subcommand("create-project", "Create a project; prints its id");
  c.create_project->add_option("--name", c.project_name, "Project name")->required();

  CLI::App* ck = c.create_key =
      admin->add_subcommand("create-key", "Create an API key; prints it once");
  ck->add_option("--name", c.key.name, "A name to recognise the key by")->required();
  ck->add_option("--project", c.key.project_ids,
                 "Project id to grant (repeatable; default: org-wide)");
  ck->add_option("--permission", c.permission, "read, write or admin")->capture_default_str();
  ck->add_flag("--service-token", c.service_token, "Create a service token (sl-st-…) instead");

  admin->add_subcommand("list-keys", "List API keys and service tokens (never their secrets)");
  c.revoke_key = admin->add_subcommand("revoke-key", "Revoke an API key or service token");
  c.revoke_key->add_option("id", c.revoke_id, "Key id (from list-keys)")->required();
}

// Runs the admin subcommand given (`admin` requires one).
int RunAdminCommand(const AdminCommand& c) {
  if (c.create_org->parsed()) return CreateOrg(c.args, c.org_name);
  if (c.create_project->parsed()) return CreateProject(c.args, c.project_name);
  if (c.create_key->parsed()) return CreateKey(c.args, c.key, c.permission, c.service_token);
  if (c.admin->got_subcommand("list-keys")) return ListKeys(c.args);
  if (c.revoke_key->parsed()) return RevokeKey(c.args, c.revoke_id);
  return 0;
}

// `storage probe`.
CLI::App* AddProbeCommand(CLI::App& app, server::ProbeOptions& o) {
  CLI::App* storage = app.add_subcommand("storage", "Check object storage destinations");
  storage->alias("s3");  // the command's earlier name
  storage->require_subcommand(1);
  CLI::App* probe = storage->add_subcommand(
      "probe", "Write, read back and delete a probe object under a destination, step by step");
  probe
      ->add_option("destination", o.destination,
                   "s3://bucket/prefix, az://account/container/prefix, gs://bucket/prefix or "
                   "file:///dir")
      ->required();
  probe->add_option("--role-arn", o.role_arn, "s3: IAM role to assume first");
  probe->add_option("--external-id", o.external_id, "s3: ExternalId for AssumeRole");
  probe->add_option("--region", o.region, "s3: AWS region (default: environment/config)");
  probe->add_option("--endpoint-url", o.endpoint_url,
                    "s3: S3 and STS endpoint (S3-compatible stores)");
  AddS3PathStyleFlag(*probe, o.path_style);
  probe->add_option("--tenant-id", o.tenant_id,
                    "az: directory (tenant) id of the app registration to write as");
  probe->add_option("--client-id", o.client_id,
                    "az: application (client) id of the app registration");
  probe->add_flag("--sas", o.azure_sas,
                  "az: the SAS in AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING");
  probe->add_flag("--shared-key", o.azure_shared_key,
                  "az: the account key in AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING");
  probe->add_option("--service-account", o.service_account,
                    "gs: the service account to impersonate (its email)");
  return probe;
}

// `automation run|status|reset`, which ask a running server.
CLI::App* AddAutomationCommand(CLI::App& app, AutomationCommand& c) {
  c.url = "http://127.0.0.1:8000";
  CLI::App* automation =
      app.add_subcommand("automation", "Run, inspect or reset an automation of a running server");
  automation->require_subcommand(1);
  automation->add_option("--url", c.url, "The server")
      ->envname("SLUICE_URL")
      ->capture_default_str();
  automation->add_option("--api-key", c.api_key,
                         "API key (default: SLUICE_API_KEY, then <data-dir>/credentials)");
  automation->add_option("--data-dir", c.data_dir, "Where the credentials file is")
      ->capture_default_str();
  automation->add_flag("--json", c.json, "Print the server's JSON answer");
  for (const char* action : {"run", "status", "reset"}) {
    CLI::App* sub = automation->add_subcommand(
        action, std::string(action) == "run"      ? "Run it now and wait for the run"
                : std::string(action) == "status" ? "Cursor, backlog, next run and run history"
                                                  : "Export only: clear cursor and history");
    sub->add_option("id", c.automation_id, "Automation id")->required();
    if (std::string(action) == "reset") sub->add_flag("--yes", c.yes, "Do not ask");
    if (std::string(action) == "status") {
      sub->add_option("--history", c.history, "Runs to show")->capture_default_str();
    }
  }
  return automation;
}

int Main(int argc, char** argv) {
  CLI::App app{"sluice: keeps LLM traces, experiments and datasets; exports and retention"};
  app.require_subcommand(1);
  server::ServerConfig config;
  std::string log_level = "info";
  CLI::App* serve = AddServeCommand(app, config, log_level);
  AdminCommand admin;
  AddAdminCommand(app, admin);
  server::ProbeOptions probe_opts;
  CLI::App* probe = AddProbeCommand(app, probe_opts);
  ImportArgs import_args;
  CLI::App* import_cmd = AddImportCommand(app, import_args);
  AutomationCommand auto_cmd;
  CLI::App* automation = AddAutomationCommand(app, auto_cmd);

  CLI11_PARSE(app, argc, argv);
  if (probe->parsed()) return Probe(probe_opts);
  if (import_cmd->parsed()) return RunImportCli(import_args, std::cout, std::cerr);
  if (automation->parsed()) {
    auto_cmd.action = automation->get_subcommands().front()->get_name();
    return RunAutomationCommand(auto_cmd, std::cout, std::cerr);
  }

  if (serve->parsed()) {
    if (const char* fault = std::getenv("SLUICE_FAULT_KILL_AT")) config.fault_kill_at = fault;
    return Serve(config, log_level);
  }
  if (admin.admin->parsed()) return RunAdminCommand(admin);
  return 0;
}

}  // namespace sluice::cli

int main(int argc, char** argv) {
  sluice::LimitMallocArenas();
  return sluice::cli::Main(argc, argv);
}
