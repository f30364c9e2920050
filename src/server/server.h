// Server: wires sluice together (DESIGN.md §1: the only place that names concrete
// implementations): opens the configured store, creates the first org/project/admin key on an
// empty store, builds the export machinery (one HTTP client, the default AWS credential chain,
// the destination provider and one export runner shared by the API and the scheduler),
// registers the API routes and serves HTTP.
#pragma once

#include <memory>
#include <string>

#include "api/automation_handlers.h"
#include "api/handlers.h"
#include "api/http_server.h"
#include "api/import_handlers.h"
#include "api/metrics.h"
#include "api/otlp/otlp_handler.h"
#include "api/sdk_handlers.h"
#include "api/signed_url.h"
#include "cloud/aws/aws_config.h"
#include "cloud/aws/credentials.h"
#include "cloud/http/http_client.h"
#include "common/clock.h"
#include "jobs/export_destination.h"
#include "jobs/export_runner.h"
#include "jobs/scheduler.h"
#include "store/store.h"

namespace sluice::server {

struct ServerConfig {
  // Where the embedded store and the first-start credentials file live.
  std::string data_dir = "./sluice-data";
  // host:port to listen on; port 0 picks a free port.
  std::string listen = "127.0.0.1:8000";
  // "sqlite:PATH"; empty = sqlite:<data_dir>/sluice.db.
  std::string store;
  size_t max_body_bytes = 64ull << 20;
  // Bytes of rows a /btql or fetch answer holds at most before its page ends early with a cursor.
  size_t max_answer_bytes = 64ull << 20;
  // The URL clients reach the server at, handed to the Braintrust SDKs; empty: each request's
  // scheme and Host.
  std::string public_url;
  // Largest /logs3 body the SDKs send directly (GET /version); capped at max_body_bytes.
  int64_t logs3_payload_max_bytes = 32ll << 20;
  // How often the scheduler looks for due automation runs and purges; 0 disables it.
  int64_t scheduler_tick_seconds = 10;
  // TTL of the store leases runs hold (renewed every third of it); after a crash another process
  // takes the work over once it expires.
  int64_t lease_seconds = 60;
  // Path-style S3 addressing (http://host/bucket/key) for S3-compatible stores and moto.
  bool s3_path_style = false;
  // OpenTelemetry attributes no convention maps that go into metadata: "all" (span and
  // resource), "span" or "none".
  std::string otel_attributes = "all";
  // Test hook "<point>:<n>" (SLUICE_FAULT_KILL_AT): SIGKILL at the n-th export fault point.
  std::string fault_kill_at;
};

// Opens the store named by spec ("sqlite:PATH", or empty for the default under data_dir),
// creating data_dir when needed.
Result<std::unique_ptr<store::Store>> OpenStore(const std::string& spec,
                                                const std::string& data_dir);

// What the first start of an empty store created. The API key's plaintext exists only here and
// in the credentials file.
struct Bootstrap {
  bool created = false;
  std::string org_id;
  std::string project_id;
  std::string api_key;
  std::string credentials_path;
};

// On an empty store: creates org "default", project "default" and an org-wide admin API key,
// and writes them to <data_dir>/credentials (mode 0600). Otherwise does nothing.
Result<Bootstrap> BootstrapIfEmpty(store::Store& store, const std::string& data_dir, Clock& clock);

// Not thread-safe except Stop(), which any thread (or a signal-watching thread) may call.
class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(const ServerConfig& config, Clock& clock);
  ~Server();

  store::Store& store() { return *store_; }
  // Binds the socket; returns the port.
  Result<int> Bind();
  // Starts the scheduler and serves until Stop(); in-flight requests finish first.
  Status Serve();
  void Stop();

 private:
  Server() = default;
  Status BuildSdkHandlers(const ServerConfig& config, Clock& clock);
  void BuildJobs(const ServerConfig& config, Clock& clock,
                 jobs::ExportRunnerOptions export_options);
  // Declared in dependency order: members are destroyed bottom-up, users before what they use.
  cloud::ProcessEnvironment env_;
  std::unique_ptr<cloud::HttpClient> http_client_;
  std::unique_ptr<cloud::CredentialsProvider> aws_credentials_;
  std::unique_ptr<cloud::DestinationFactory> destination_factory_;
  std::unique_ptr<jobs::DestinationProvider> destinations_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<jobs::ExportRunner> exports_;
  std::unique_ptr<jobs::RetentionRunner> retention_;  // the one the API and the scheduler share
  std::unique_ptr<api::Metrics> metrics_;
  std::unique_ptr<api::Handlers> handlers_;
  std::unique_ptr<api::AutomationHandlers> automation_handlers_;
  std::unique_ptr<cloud::ObjectStore> blobs_;
  std::unique_ptr<jobs::AttachmentStore> attachments_;
  std::unique_ptr<api::UrlSigner> url_signer_;
  std::unique_ptr<api::SdkHandlers> sdk_handlers_;
  std::unique_ptr<api::ImportHandlers> import_handlers_;
  std::unique_ptr<api::otlp::OtlpHandler> otlp_handler_;
  std::unique_ptr<api::HttpServer> http_;
  std::unique_ptr<jobs::Scheduler> scheduler_;
};

// Splits "host:port" (port required, 0–65535).
Result<std::pair<std::string, int>> ParseListen(const std::string& listen);

}  // namespace sluice::server
