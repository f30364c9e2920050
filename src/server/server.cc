#include "server/server.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "api/otlp/otel_routes.h"
#include "api/routes.h"
#include "cloud/aws/credential_providers.h"
#include "cloud/http/curl_http_client.h"
#include "cloud/local/local_object_store.h"
#include "common/log.h"
#include "common/uuid.h"
#include "server/fault_hook.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::server {

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("--listen must be host:port, e.g. 127.0.0.1:8000 (got \"" + listen +
                                "\")");
  }
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return InvalidArgumentError("--listen port must be a number from 0 to 65535 (got \"" + port +
                                "\")");
  }
  return std::make_pair(listen.substr(0, colon), static_cast<int>(p));
}

Result<std::unique_ptr<store::Store>> OpenStore(const std::string& spec,
                                                const std::string& data_dir) {
  std::string path;
  if (spec.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
      return FailedPreconditionError("cannot create data directory " + data_dir + ": " +
                                     ec.message());
    }
    path = data_dir + "/sluice.db";
  } else if (spec.rfind("sqlite:", 0) == 0) {
    path = spec.substr(7);
    if (path.empty()) return InvalidArgumentError("--store sqlite:PATH needs a path");
  } else if (spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0) {
    // A libpq URI: postgres://user:password@host:port/database?options
    store::postgres::PgStoreOptions options;
    SLUICE_ASSIGN_OR_RETURN(options.after_xact_id_taken, XactDelayHookFromEnv());
    SLUICE_ASSIGN_OR_RETURN(auto pg, store::postgres::PgStore::Open(spec, std::move(options)));
    return std::unique_ptr<store::Store>(std::move(pg));
  } else {
    return InvalidArgumentError(
        "--store must be sqlite:PATH or postgres://user@host:port/database (got \"" + spec + "\")");
  }
  SLUICE_ASSIGN_OR_RETURN(auto s, store::sqlite::SqliteStore::Open(path));
  return std::unique_ptr<store::Store>(std::move(s));
}

Result<Bootstrap> BootstrapIfEmpty(store::Store& store, const std::string& data_dir, Clock& clock) {
  Bootstrap b;
  SLUICE_ASSIGN_OR_RETURN(int64_t orgs, store.CountOrgs());
  if (orgs > 0) return b;
  SLUICE_ASSIGN_OR_RETURN(model::Org org, store.CreateOrg("default"));
  model::Project p{NewUuid(), org.id, "default", "", clock.NowMicros()};
  SLUICE_ASSIGN_OR_RETURN(p, store.CreateProject(p));
  auto minted = model::MintKey(model::KeyKind::kApiKey, org.id, "admin",
                               {{"", model::Permission::kAdmin}}, clock.NowMicros());
  SLUICE_RETURN_IF_ERROR(store.CreateApiKey(minted.key));
  b.created = true;
  b.org_id = org.id;
  b.project_id = p.id;
  b.api_key = minted.plaintext;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  b.credentials_path = data_dir + "/credentials";
  {
    std::ofstream f(b.credentials_path, std::ios::trunc);
    if (!f) return FailedPreconditionError("cannot write " + b.credentials_path);
    ::chmod(b.credentials_path.c_str(), 0600);
    f << "org_id=" << b.org_id << "\nproject_id=" << b.project_id << "\napi_key=" << b.api_key
      << "\n";
  }
  ::chmod(b.credentials_path.c_str(), 0600);
  return b;
}

// Exports, retention and the destinations they write to (imports read from them too).
void Server::BuildJobs(const ServerConfig& config, Clock& clock,
                       jobs::ExportRunnerOptions export_options) {
  // Exports and imports: the server's own identities (the AWS default chain; the Azure and
  // Google chains inside the factory) from its environment; each automation's role, app
  // registration or service account is reached from them by the one destination factory.
  cloud::DestinationFactoryOptions dest = cloud::OptionsFromEnvironment(env_);
  dest.s3_path_style = config.s3_path_style;
  http_client_ = std::make_unique<cloud::CurlHttpClient>();
  aws_credentials_ = cloud::MakeDefaultCredentialsChain(env_, dest.aws, *http_client_, clock);
  destination_factory_ = std::make_unique<cloud::DestinationFactory>(
      std::move(dest), *http_client_, *aws_credentials_, env_, clock);
  destinations_ = std::make_unique<jobs::CloudDestinationProvider>(*destination_factory_);
  const jobs::LeaseOptions lease = export_options.lease;
  exports_ = std::make_unique<jobs::ExportRunner>(*store_, clock, *destinations_,
                                                  std::move(export_options));
  retention_ = std::make_unique<jobs::RetentionRunner>(*store_, clock, lease);
}

Result<std::unique_ptr<Server>> Server::Create(const ServerConfig& config, Clock& clock) {
  SLUICE_ASSIGN_OR_RETURN(auto hp, ParseListen(config.listen));
  jobs::ExportRunnerOptions export_options;
  export_options.lease.ttl_seconds = config.lease_seconds;
  std::function<void(std::string_view)> fault_hook;  // a test hook: exports and imports
  if (!config.fault_kill_at.empty()) {
    SLUICE_ASSIGN_OR_RETURN(FaultKillAt at, ParseFaultKillAt(config.fault_kill_at));
    fault_hook = MakeKillHook(at);
    export_options.fault_hook = fault_hook;
  }
  std::unique_ptr<Server> s(new Server());
  SLUICE_ASSIGN_OR_RETURN(s->store_, OpenStore(config.store, config.data_dir));
  s->BuildJobs(config, clock, std::move(export_options));
  s->metrics_ = std::make_unique<api::Metrics>();
  api::HandlerOptions handler_options;
  handler_options.max_answer_bytes = config.max_answer_bytes;
  s->handlers_ = std::make_unique<api::Handlers>(*s->store_, clock, *s->metrics_, handler_options);
  api::HttpServerOptions http;
  http.host = hp.first;
  http.port = hp.second;
  http.max_body_bytes = config.max_body_bytes;
  s->http_ = std::make_unique<api::HttpServer>(http, *s->metrics_, clock);
  s->automation_handlers_ = std::make_unique<api::AutomationHandlers>(
      *s->store_, clock, *s->exports_, *s->retention_, *s->destinations_);
  api::RegisterCoreRoutes(*s->http_, *s->handlers_, *s->metrics_);
  api::RegisterAutomationRoutes(*s->http_, *s->automation_handlers_);
  SLUICE_RETURN_IF_ERROR(s->BuildSdkHandlers(config, clock));
  api::RegisterSdkRoutes(*s->http_, *s->sdk_handlers_);
  s->import_handlers_ =
      std::make_unique<api::ImportHandlers>(*s->store_, clock, s->handlers_->authenticator(),
                                            *s->destinations_, *s->retention_, fault_hook);
  api::RegisterImportRoutes(*s->http_, *s->import_handlers_);
  api::otlp::OtlpOptions otlp;
  otlp.max_body_bytes = config.max_body_bytes;
  SLUICE_ASSIGN_OR_RETURN(otlp.mapping.extra_attributes,
                          api::otlp::ParseExtraAttributes(config.otel_attributes));
  s->otlp_handler_ =
      std::make_unique<api::otlp::OtlpHandler>(*s->store_, clock, *s->metrics_, otlp);
  api::RegisterOtelRoutes(*s->http_, *s->otlp_handler_);
  if (config.scheduler_tick_seconds > 0) {
    jobs::SchedulerOptions so;
    so.tick_seconds = config.scheduler_tick_seconds;
    // Attachments go once no row references them: after purges, and now and then.
    so.after_purge = [attachments = s->attachments_.get()](int64_t purged) {
      return attachments->SweepIfDue(purged).status();
    };
    s->scheduler_ =
        std::make_unique<jobs::Scheduler>(*s->store_, clock, *s->exports_, *s->retention_, so);
  }
  return s;
}

// What the Braintrust SDKs talk to. Uploads (overflow payloads, attachments) are kept under
// <data_dir>/blobs; the key signing their URLs is in <data_dir>/url-signing-key.
Status Server::BuildSdkHandlers(const ServerConfig& config, Clock& clock) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  SLUICE_ASSIGN_OR_RETURN(std::string secret,
                          api::LoadOrCreateSigningSecret(config.data_dir + "/url-signing-key"));
  url_signer_ = std::make_unique<api::UrlSigner>(std::move(secret));
  blobs_ = std::make_unique<cloud::LocalObjectStore>(config.data_dir + "/blobs");
  attachments_ = std::make_unique<jobs::AttachmentStore>(*blobs_, *store_, clock);
  api::SdkOptions options;
  options.public_url = config.public_url;
  while (options.public_url.ends_with('/')) options.public_url.pop_back();
  options.logs3_payload_max_bytes = std::min<int64_t>(config.logs3_payload_max_bytes,
                                                      static_cast<int64_t>(config.max_body_bytes));
  sdk_handlers_ =
      std::make_unique<api::SdkHandlers>(*store_, clock, *metrics_, handlers_->authenticator(),
                                         *blobs_, *attachments_, *url_signer_, std::move(options));
  return Status();
}

Server::~Server() {
  scheduler_.reset();  // before the store it uses
}

Result<int> Server::Bind() { return http_->Bind(); }
Status Server::Serve() {
  if (scheduler_) scheduler_->Start();
  Status s = http_->Serve();
  if (scheduler_) scheduler_->Stop();
  return s;
}

void Server::Stop() { http_->Stop(); }

}  // namespace sluice::server
