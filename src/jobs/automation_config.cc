#include "jobs/automation_config.h"

#include <regex>

#include "cloud/storage_url.h"
#include "jobs/export_credentials.h"
#include "query/lexer.h"
#include "query/parser.h"

namespace sluice::jobs {

namespace {

Status Bad(const std::string& field, const std::string& why) {
  return InvalidArgumentError("config." + field + ": " + why);
}

Result<std::string> String(const Json& c, const char* field, bool required) {
  const Json* v = c.Find(field);
  if (v == nullptr || v->is_null()) {
    if (required) return Bad(field, "required");
    return std::string();
  }
  if (!v->is_string()) return Bad(field, "must be a string");
  return v->string_value();
}

Result<std::optional<int64_t>> Integer(const Json& c, const char* field) {
  const Json* v = c.Find(field);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (!v->is_number() ||
      v->number_value() != static_cast<double>(static_cast<int64_t>(v->number_value()))) {
    return Bad(field, "must be a whole number");
  }
  return std::optional<int64_t>(static_cast<int64_t>(v->number_value()));
}

Status CheckKnownFields(const Json& c, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : c.members()) {
    bool ok = false;
    for (const char* f : known) ok = ok || k == f;
    if (!ok) return Bad(k, "is not a field of this automation type");
  }
  return Status();
}

// `status`: "active" (the default) or "paused".
Result<bool> Active(const Json& c) {
  SLUICE_ASSIGN_OR_RETURN(std::string status, String(c, "status", false));
  if (!status.empty() && status != "active" && status != "paused") {
    return Bad("status", "must be active or paused");
  }
  return status != "paused";
}

Status CheckQueryObject(const query::Query& q, const ConfigContext& ctx, const std::string& field) {
  const model::ObjectRef& obj = q.source.object;
  if (obj.type == model::ObjectType::kProjectLogs) {
    if (obj.id != ctx.project_id) {
      return Bad(field, "reads project_logs of another project (" + obj.id +
                            "); an automation may only read its own project " + ctx.project_id);
    }
    return Status();
  }
  if (!ctx.check_object) return Bad(field, "must read project_logs('" + ctx.project_id + "')");
  Status s = ctx.check_object(obj);
  if (!s.ok()) return Bad(field, s.message());
  return Status();
}

Status ParseDefinition(const Json& c, const ConfigContext& ctx, ExportConfig* out) {
  const Json* def = c.Find("export_definition");
  if (def == nullptr || def->is_null()) return Bad("export_definition", "required");
  if (!def->is_object()) return Bad("export_definition", "must be an object with a type");
  SLUICE_ASSIGN_OR_RETURN(std::string type, String(*def, "type", true));
  if (type == "log_traces") {
    out->definition = ExportDefinition::kLogTraces;
  } else if (type == "log_spans") {
    out->definition = ExportDefinition::kLogSpans;
  } else if (type == "btql_query") {
    out->definition = ExportDefinition::kBtqlQuery;
    SLUICE_ASSIGN_OR_RETURN(out->btql_query, String(*def, "btql_query", true));
    auto q = query::ParseQuery(out->btql_query);
    if (!q.ok()) return Bad("export_definition.btql_query", q.status().message());
    SLUICE_RETURN_IF_ERROR(CheckQueryObject(*q, ctx, "export_definition.btql_query"));
    out->query = std::make_shared<const query::Query>(std::move(*q));
  } else {
    return Bad("export_definition.type", "must be log_traces, log_spans or btql_query");
  }
  return Status();
}

}  // namespace

Result<model::AutomationType> ConfigType(const Json& config) {
  if (!config.is_object()) return InvalidArgumentError("config: must be an object");
  SLUICE_ASSIGN_OR_RETURN(std::string t, String(config, "event_type", true));
  if (t == "btql_export") return model::AutomationType::kExport;
  if (t == "retention") return model::AutomationType::kRetention;
  return Bad("event_type", "\"" + t + "\" is not supported: use btql_export or retention");
}

std::string ExternalId(const ConfigContext& ctx) {
  return ctx.external_id_prefix + ":" + ctx.org_id + ":" + ctx.project_id + ":" + ctx.automation_id;
}

Result<ExportConfig> ParseExportConfig(const Json& c, const ConfigContext& ctx) {
  SLUICE_RETURN_IF_ERROR(
      CheckKnownFields(c, {"event_type", "status", "export_definition", "scope", "export_path",
                           "format", "interval_seconds", "credentials", "batch_size", "layout",
                           "max_iterations", "trace_idle_seconds"}));
  ExportConfig out;
  SLUICE_RETURN_IF_ERROR(ParseDefinition(c, ctx, &out));
  SLUICE_ASSIGN_OR_RETURN(out.export_path, String(c, "export_path", true));
  auto url = cloud::ParseStorageUrl(out.export_path);
  if (!url.ok()) return Bad("export_path", url.status().message());
  SLUICE_ASSIGN_OR_RETURN(std::string format, String(c, "format", true));
  if (format == "jsonl") {
    out.format = ExportFormat::kJsonl;
  } else if (format == "parquet") {
    out.format = ExportFormat::kParquet;
  } else {
    return Bad("format", "must be jsonl or parquet, not \"" + format + "\"");
  }
  SLUICE_ASSIGN_OR_RETURN(auto interval, Integer(c, "interval_seconds"));
  if (!interval) return Bad("interval_seconds", "required");
  if (*interval < kMinExportIntervalSeconds || *interval > kMaxExportIntervalSeconds) {
    return Bad("interval_seconds", "must be from 300 (5 minutes) to 86400 (24 hours), not " +
                                       std::to_string(*interval));
  }
  out.interval_seconds = *interval;
  SLUICE_RETURN_IF_ERROR(ParseExportCredentials(c, *url, &out.credentials));
  SLUICE_ASSIGN_OR_RETURN(auto batch, Integer(c, "batch_size"));
  if (batch && (*batch < 1 || *batch > kMaxBatchSize)) {
    return Bad("batch_size", "must be from 1 to 10000000 rows per file");
  }
  out.batch_size = batch.value_or(kDefaultBatchSize);
  SLUICE_ASSIGN_OR_RETURN(out.active, Active(c));
  SLUICE_ASSIGN_OR_RETURN(std::string layout, String(c, "layout", false));
  if (!layout.empty() && layout != "hive" && layout != "date") {
    return Bad("layout", "must be date (YYYY-MM-DD/) or hive (date=YYYY-MM-DD/)");
  }
  out.hive_layout = layout == "hive";
  SLUICE_ASSIGN_OR_RETURN(auto iters, Integer(c, "max_iterations"));
  if (iters && (*iters < 1 || *iters > 10'000))
    return Bad("max_iterations", "must be from 1 to 10000");
  out.max_iterations = iters.value_or(kDefaultMaxIterations);
  SLUICE_ASSIGN_OR_RETURN(auto idle, Integer(c, "trace_idle_seconds"));
  if (idle && (*idle < 0 || *idle > 86'400))
    return Bad("trace_idle_seconds", "must be from 0 to 86400");
  out.trace_idle_seconds = idle.value_or(30);
  out.credentials.external_id = ExternalId(ctx);
  return out;
}

std::string ExemptQuery(const model::ObjectRef& object, const std::string& filter) {
  return "select: id\nfrom: " + std::string(model::ObjectTypeName(object.type)) + "('" + object.id +
         "')\nfilter: " + filter;
}

namespace {

// Moves the positions (" at L:C") of an error in `wrapper`, whose text ends with the filter, to
// positions in the filter itself.
std::string ToFilterPositions(const std::string& message, const std::string& wrapper_prefix) {
  int64_t prefix_lines = 0;
  for (char ch : wrapper_prefix) prefix_lines += ch == '\n';
  const int64_t prefix_cols =
      static_cast<int64_t>(wrapper_prefix.size() - (wrapper_prefix.rfind('\n') + 1));
  static const std::regex kAt(R"( at (\d+):(\d+))");
  std::string out;
  auto last = message.cbegin();
  for (std::sregex_iterator it(message.begin(), message.end(), kAt), end; it != end; ++it) {
    int64_t line = std::stoll((*it)[1].str()) - prefix_lines;
    int64_t col = std::stoll((*it)[2].str());
    if (line < 1) continue;  // in the wrapper itself: left as it is
    if (line == 1) col -= prefix_cols;
    out.append(last, (*it)[0].first);
    out += " at " + std::to_string(line) + ":" + std::to_string(col);
    last = (*it)[0].second;
  }
  out.append(last, message.cend());
  return out;
}

// An exempt filter is one expression: the clause syntax ('|', 'limit:', ';') would make the
// query that wraps it select something else (a limit, a sort) that a run ignores.
Status CheckFilterExpression(const std::string& field, const std::string& filter) {
  auto tokens = query::Lex(filter);
  if (!tokens.ok()) return Bad(field, tokens.status().message());
  const std::vector<query::Token>& t = *tokens;
  for (size_t i = 0; i < t.size(); ++i) {
    std::string found;
    query::Pos pos = t[i].pos;
    if (t[i].type == query::Tok::kPipe || t[i].type == query::Tok::kSemicolon) {
      found = query::Describe(t[i]);
    } else if (t[i].type == query::Tok::kColon) {
      found = "':'";
      if (i > 0 && t[i - 1].type == query::Tok::kIdent) {
        found = "'" + t[i - 1].text + ":'";
        pos = t[i - 1].pos;
      }
    }
    if (found.empty()) continue;
    return Bad(field, "must be a filter expression only, such as tags includes 'keep'; found " +
                          found + " at " + std::to_string(pos.line) + ":" +
                          std::to_string(pos.col) +
                          " (clauses such as limit:, sort: or select: are not allowed)");
  }
  return Status();
}

}  // namespace

Status CheckFilter(const std::string& field, const std::string& filter,
                   const model::ObjectRef& object) {
  SLUICE_RETURN_IF_ERROR(CheckFilterExpression(field, filter));
  auto q = query::ParseQuery(ExemptQuery(object, filter));
  if (!q.ok()) {
    return Bad(field, ToFilterPositions(q.status().message(), ExemptQuery(object, "")));
  }
  if (q->filter == nullptr || q->limit || q->cursor || !q->sort.empty() || q->aggregating() ||
      q->select_star || q->select.size() != 1) {
    return Bad(field, "must be a filter expression only, such as tags includes 'keep'");
  }
  return Status();
}

Result<RetentionConfig> ParseRetentionConfig(const Json& c, const ConfigContext& ctx) {
  SLUICE_RETURN_IF_ERROR(CheckKnownFields(
      c, {"event_type", "status", "object_type", "retention_days", "exempt_filter",
          "wait_for_export", "archive_first", "interval_seconds", "grace_seconds"}));
  RetentionConfig out;
  SLUICE_ASSIGN_OR_RETURN(std::string type, String(c, "object_type", true));
  auto t = model::ParseObjectType(type);
  if (!t.ok()) return Bad("object_type", "must be project_logs, experiment or dataset");
  out.object_type = *t;
  SLUICE_ASSIGN_OR_RETURN(auto days, Integer(c, "retention_days"));
  if (!days) return Bad("retention_days", "required");
  if (*days < 1) {
    return Bad("retention_days", "must be at least 1 (got " + std::to_string(*days) +
                                     "); to stop deleting, pause or delete the automation");
  }
  if (*days > 36'500) return Bad("retention_days", "must be at most 36500");
  out.retention_days = *days;
  SLUICE_ASSIGN_OR_RETURN(out.exempt_filter, String(c, "exempt_filter", false));
  if (!out.exempt_filter.empty()) {
    // Validated as a filter on project_logs whatever the object type: experiments are judged on
    // id, created, tags and metadata, which project_logs rows have too.
    SLUICE_RETURN_IF_ERROR(CheckFilter("exempt_filter", out.exempt_filter,
                                       {model::ObjectType::kProjectLogs, ctx.project_id}));
  }
  if (const Json* w = c.Find("wait_for_export"); w && !w->is_null()) {
    if (!w->is_bool()) return Bad("wait_for_export", "must be true or false");
    out.wait_for_export = w->bool_value();
  }
  SLUICE_ASSIGN_OR_RETURN(out.archive_first, String(c, "archive_first", false));
  if (!out.archive_first.empty()) {
    if (out.object_type != model::ObjectType::kProjectLogs) {
      return Bad("archive_first",
                 "is for project_logs retention (a log_spans export archives the logs; "
                 "experiments and datasets have no such export)");
    }
    if (out.wait_for_export == false) {
      return Bad("wait_for_export",
                 "cannot be false with archive_first: a run deletes only "
                 "rows the archive export has written");
    }
    if (ctx.check_archive) SLUICE_RETURN_IF_ERROR(ctx.check_archive(out.archive_first));
  }
  SLUICE_ASSIGN_OR_RETURN(auto interval, Integer(c, "interval_seconds"));
  if (interval && (*interval < 60 || *interval > 7 * 86'400)) {
    return Bad("interval_seconds", "must be from 60 to 604800");
  }
  out.interval_seconds = interval.value_or(kDefaultRetentionIntervalSeconds);
  SLUICE_ASSIGN_OR_RETURN(auto grace, Integer(c, "grace_seconds"));
  if (grace && (*grace < 0 || *grace > 30 * 86'400)) {
    return Bad("grace_seconds", "must be from 0 to 2592000 (30 days)");
  }
  out.grace_seconds = grace.value_or(kDefaultGraceSeconds);
  SLUICE_ASSIGN_OR_RETURN(out.active, Active(c));
  return out;
}

Json ExportConfigToJson(const ExportConfig& c) {
  Json j = Json::Object();
  j.Set("event_type", Json::String("btql_export"));
  j.Set("status", Json::String(c.active ? "active" : "paused"));
  Json def = Json::Object();
  switch (c.definition) {
    case ExportDefinition::kLogTraces: def.Set("type", Json::String("log_traces")); break;
    case ExportDefinition::kLogSpans: def.Set("type", Json::String("log_spans")); break;
    case ExportDefinition::kBtqlQuery:
      def.Set("type", Json::String("btql_query"));
      def.Set("btql_query", Json::String(c.btql_query));
      break;
  }
  j.Set("export_definition", std::move(def));
  j.Set("export_path", Json::String(c.export_path));
  j.Set("format", Json::String(c.format == ExportFormat::kJsonl ? "jsonl" : "parquet"));
  j.Set("interval_seconds", Json::Int(c.interval_seconds));
  if (Json cred = ExportCredentialsToJson(c.credentials); !cred.is_null()) {
    j.Set("credentials", std::move(cred));
  }
  j.Set("batch_size", Json::Int(c.batch_size));
  j.Set("layout", Json::String(c.hive_layout ? "hive" : "date"));
  j.Set("max_iterations", Json::Int(c.max_iterations));
  j.Set("trace_idle_seconds", Json::Int(c.trace_idle_seconds));
  return j;
}

Json RetentionConfigToJson(const RetentionConfig& c) {
  Json j = Json::Object();
  j.Set("event_type", Json::String("retention"));
  j.Set("status", Json::String(c.active ? "active" : "paused"));
  j.Set("object_type", Json::String(std::string(model::ObjectTypeName(c.object_type))));
  j.Set("retention_days", Json::Int(c.retention_days));
  if (!c.exempt_filter.empty()) j.Set("exempt_filter", Json::String(c.exempt_filter));
  if (c.wait_for_export) j.Set("wait_for_export", Json::Bool(*c.wait_for_export));
  if (!c.archive_first.empty()) j.Set("archive_first", Json::String(c.archive_first));
  j.Set("interval_seconds", Json::Int(c.interval_seconds));
  j.Set("grace_seconds", Json::Int(c.grace_seconds));
  return j;
}

Result<Json> ValidateAutomationConfig(const Json& config, const ConfigContext& ctx) {
  SLUICE_ASSIGN_OR_RETURN(model::AutomationType type, ConfigType(config));
  if (type == model::AutomationType::kExport) {
    SLUICE_ASSIGN_OR_RETURN(ExportConfig c, ParseExportConfig(config, ctx));
    return ExportConfigToJson(c);
  }
  SLUICE_ASSIGN_OR_RETURN(RetentionConfig c, ParseRetentionConfig(config, ctx));
  return RetentionConfigToJson(c);
}

Result<ExportConfig> StoredExportConfig(const model::Automation& a,
                                        const std::string& external_id_prefix) {
  if (a.type != model::AutomationType::kExport) {
    return InvalidArgumentError("automation " + a.id + " is not an export");
  }
  ConfigContext ctx;
  ctx.org_id = a.org_id;
  ctx.project_id = a.project_id;
  ctx.automation_id = a.id;
  ctx.external_id_prefix = external_id_prefix;
  ctx.check_object = [](const model::ObjectRef&) { return Status(); };
  SLUICE_ASSIGN_OR_RETURN(ExportConfig c, ParseExportConfig(a.config, ctx));
  if (const Json* e = a.config.Find("credentials"); e != nullptr && e->is_object()) {
    if (const Json* x = e->Find("external_id"); x != nullptr && x->is_string()) {
      c.credentials.external_id = x->string_value();
    }
  }
  return c;
}

Result<RetentionConfig> StoredRetentionConfig(const model::Automation& a) {
  ConfigContext ctx;
  ctx.org_id = a.org_id;
  ctx.project_id = a.project_id;
  ctx.automation_id = a.id;
  return ParseRetentionConfig(a.config, ctx);
}

model::ObjectRef ExportSource(const ExportConfig& config, const std::string& project_id) {
  if (config.definition != ExportDefinition::kBtqlQuery || config.query == nullptr) {
    return model::ObjectRef{model::ObjectType::kProjectLogs, project_id};
  }
  return config.query->source.object;
}

}  // namespace sluice::jobs
