#include "api/otlp/otlp_handler.h"

#include <cctype>
#include <string>
#include <vector>

#include "api/otlp/otlp_json.h"
#include "api/otlp/otlp_proto.h"
#include "api/otlp/otlp_response.h"
#include "api/request_body.h"
#include "common/log.h"
#include "common/uuid.h"

namespace sluice::api::otlp {

namespace {

constexpr std::string_view kParentHelp =
    "send \"x-bt-parent: project_id:<project id>\" (or project_name:<project name>, "
    "experiment_id:<experiment id>)";
// Rejected spans whose reasons the partial success message lists.
constexpr size_t kReasonsShown = 5;
constexpr size_t kEchoedBytes = 100;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Counts one request in flight while it lives.
class InFlight {
 public:
  explicit InFlight(std::atomic<int>& count) : count_(count), now_(++count) {}
  ~InFlight() { --count_; }
  int now() const { return now_; }

 private:
  std::atomic<int>& count_;
  int now_;
};

constexpr std::string_view kProtobufType = "application/x-protobuf";

// What a request thread keeps of its last protobuf decode for the next: enough for a batch of
// 512 GenAI spans (about 1 MiB); at most 128 MiB over the 64 request threads a server has by
// default.
constexpr size_t kKeptDecodedBytes = 2 << 20;

// Empties a decoded request whose lists hold more than `limit` bytes when it goes. Not
// thread-safe: it guards one thread's request.
class KeepAtMost {
 public:
  KeepAtMost(DecodedRequest& r, size_t limit) : r_(r), limit_(limit) {}
  KeepAtMost(const KeepAtMost&) = delete;
  KeepAtMost& operator=(const KeepAtMost&) = delete;
  ~KeepAtMost() {
    const size_t bytes =
        r_.values.capacity() * sizeof(Value) + r_.events.capacity() * sizeof(SpanEvent) +
        r_.spans.capacity() * sizeof(Span) + r_.resources.capacity() * sizeof(ValueRange);
    if (bytes > limit_) r_ = DecodedRequest();
  }

 private:
  DecodedRequest& r_;
  size_t limit_;
};

// The request's Content-Type without parameters, lower case.
std::string MediaType(const ApiRequest& r) {
  const std::string content_type = r.Header("content-type");
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

}  // namespace

ApiResponse OtlpHandler::ErrorBeforeExport(const Status& error, int http_status,
                                           const ApiRequest& r) {
  const Encoding encoding = MediaType(r) == kProtobufType ? Encoding::kProtobuf : Encoding::kJson;
  return Answer(http_status, encoding, StatusBody(encoding, error), 0);
}

Result<ApiResponse> OtlpHandler::Export(const ApiRequest& r) {
  const std::string type = MediaType(r);
  const std::string coding = Lower(Trim(r.Header("content-encoding")));
  const bool protobuf = type == kProtobufType;
  const Encoding encoding = protobuf ? Encoding::kProtobuf : Encoding::kJson;
  if (!protobuf && type != "application/json") {
    const Status s = InvalidArgumentError(
        "Content-Type must be application/x-protobuf or application/json, not \"" +
        type.substr(0, kEchoedBytes) + "\" (gRPC is not served)");
    return Answer(415, encoding, StatusBody(encoding, s), 0);
  }
  if (!coding.empty() && coding != "identity" && coding != "gzip" && coding != "deflate" &&
      coding != "br") {
    const Status s = InvalidArgumentError("Content-Encoding \"" + coding.substr(0, kEchoedBytes) +
                                          "\" is not supported: send gzip or none");
    return Answer(415, encoding, StatusBody(encoding, s), 0);
  }
  InFlight slot(in_flight_);
  if (slot.now() > options_.max_concurrent_requests) {
    const Status s = ResourceExhaustedError("too many trace exports at once: retry later");
    return Answer(429, encoding, StatusBody(encoding, s), options_.retry_after_seconds);
  }
  Result<Outcome> outcome = Ingest(r, protobuf);
  if (!outcome.ok()) {
    ApiResponse a = ErrorAnswer(encoding, outcome.status(), options_.retry_after_seconds);
    if (a.status >= 500) {
      SLUICE_LOG_ERROR("POST /otel/v1/traces failed: {}", outcome.status().ToString());
    }
    return a;
  }
  return Answer(200, encoding, ExportResponseBody(encoding, outcome->rejected, outcome->message),
                0);
}

Result<OtlpHandler::Outcome> OtlpHandler::Ingest(const ApiRequest& r, bool protobuf) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  SLUICE_ASSIGN_OR_RETURN(Destination to, ResolveParent(caller, r.Header("x-bt-parent")));
  DecodeLimits limits;
  limits.max_decoded_bytes = options_.max_body_bytes;
  // A request thread decodes protobuf into the lists it used for its previous request, unless
  // those grew past kKeptDecodedBytes: fresh lists would be grown and faulted in each time.
  // Per-thread state: its views point into a finished request's body and are never read
  // again; the next decode empties the lists first.
  thread_local DecodedRequest reused;
  const KeepAtMost keep(reused, kKeptDecodedBytes);
  DecodedRequest json_request;
  if (protobuf) {
    SLUICE_RETURN_IF_ERROR(DecodeProtobufRequest(r.body, limits, &reused));
  } else {
    SLUICE_ASSIGN_OR_RETURN(json_request, DecodeJsonRequest(r.body, limits));
  }
  const DecodedRequest& request = protobuf ? reused : json_request;
  std::vector<model::EventWrite> writes;
  writes.reserve(request.spans.size());
  Outcome out;
  for (const Span& span : request.spans) {
    Result<model::EventWrite> w = MapSpan(request, span, options_.mapping);
    if (w.ok()) {
      writes.push_back(std::move(w).value());
      continue;
    }
    if (out.rejected++ < static_cast<int64_t>(kReasonsShown)) {
      out.message +=
          (out.message.empty() ? "" : "; ") + SpanPath(span) + ": " + w.status().message();
    }
  }
  if (out.rejected > static_cast<int64_t>(kReasonsShown)) {
    out.message += "; and " + std::to_string(out.rejected - kReasonsShown) + " more";
  }
  if (out.rejected > 0) {
    out.message = std::to_string(out.rejected) + " of " + std::to_string(request.spans.size()) +
                  " spans not stored: " + out.message;
  }
  if (writes.empty()) return out;
  SLUICE_ASSIGN_OR_RETURN(
      auto result,
      store_.InsertEvents(to.object, to.project.org_id, to.project.id, writes, clock_.NowMicros()));
  metrics_.AddRowsInserted(std::string(model::ObjectTypeName(to.object.type)), result.rows_written);
  return out;
}

Result<OtlpHandler::Destination> OtlpHandler::ResolveParent(const Caller& caller,
                                                            std::string_view header) {
  header = Trim(header);
  if (header.empty()) {
    return InvalidArgumentError("missing x-bt-parent header: " + std::string(kParentHelp));
  }
  const size_t colon = header.find(':');
  const std::string_view kind = Trim(header.substr(0, colon));
  const std::string value(colon == std::string_view::npos ? "" : Trim(header.substr(colon + 1)));
  if (colon == std::string_view::npos || value.empty()) {
    return InvalidArgumentError("x-bt-parent \"" + std::string(header.substr(0, kEchoedBytes)) +
                                "\" is not <kind>:<value>; " + std::string(kParentHelp));
  }
  Destination to;
  if (kind == "project_id") {
    SLUICE_RETURN_IF_ERROR(CheckUuid(value, "x-bt-parent project_id"));
    SLUICE_ASSIGN_OR_RETURN(
        to.project,
        auth_.RequireProject(caller, value, model::Permission::kWrite, "sending spans"));
  } else if (kind == "project_name") {
    SLUICE_ASSIGN_OR_RETURN(to.project, ProjectByName(caller, value));
  } else if (kind == "experiment_id") {
    SLUICE_ASSIGN_OR_RETURN(to.project, ExperimentProject(caller, value));
    to.object = {model::ObjectType::kExperiment, value};
    return to;
  } else {
    return InvalidArgumentError("x-bt-parent: \"" + std::string(kind.substr(0, kEchoedBytes)) +
                                "\" is not a destination; " + std::string(kParentHelp));
  }
  to.object = {model::ObjectType::kProjectLogs, to.project.id};
  return to;
}

Result<model::Project> OtlpHandler::ExperimentProject(const Caller& caller,
                                                      const std::string& experiment_id) {
  SLUICE_RETURN_IF_ERROR(CheckUuid(experiment_id, "x-bt-parent experiment_id"));
  auto experiment = store_.GetExperiment(experiment_id);
  Status found = experiment.status();
  if (experiment.ok()) {
    auto project = auth_.RequireProject(caller, experiment->project_id, model::Permission::kWrite,
                                        "sending spans");
    if (project.ok()) return project;
    found = project.status();
  }
  // Another org's experiment is reported as missing, like one that exists nowhere.
  if (found.code() == StatusCode::kNotFound) {
    return NotFoundError("experiment " + experiment_id + " not found");
  }
  return found;
}

Result<model::Project> OtlpHandler::ProjectByName(const Caller& caller, std::string_view name) {
  SLUICE_RETURN_IF_ERROR(model::ValidateName("x-bt-parent project_name", name));
  const std::string n(name);
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.FindProjectByName(caller.key.org_id, n));
  if (existing)
    return auth_.RequireProject(caller, existing->id, model::Permission::kWrite, "sending spans");
  SLUICE_RETURN_IF_ERROR(auth_.RequireOrg(caller, model::Permission::kWrite, "creating it")
                             .WithContext("project \"" + n + "\" does not exist"));
  auto created = store_.CreateProject({NewUuid(), caller.key.org_id, n, "", clock_.NowMicros()});
  if (created.status().code() == StatusCode::kAlreadyExists) {  // lost a race: use the winner
    SLUICE_ASSIGN_OR_RETURN(existing, store_.FindProjectByName(caller.key.org_id, n));
    if (existing) return *existing;
  }
  return created;
}

}  // namespace sluice::api::otlp
