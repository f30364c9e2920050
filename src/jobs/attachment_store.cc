#include "jobs/attachment_store.h"

#include "common/log.h"
#include "common/time_util.h"

namespace sluice::jobs {

namespace {

constexpr char kDataPrefix[] = "attachment/";
constexpr char kMetaPrefix[] = "attachment-meta/";

std::string DataKey(const std::string& org, const std::string& key) {
  return kDataPrefix + org + "/" + key;
}

std::string MetaKey(const std::string& org, const std::string& key) {
  return kMetaPrefix + org + "/" + key;
}

Json RefToJson(const AttachmentRef& r) {
  Json j = Json::Object();
  j.Set("object_type", Json::String(std::string(model::ObjectTypeName(r.object.type))));
  j.Set("object_id", Json::String(r.object.id));
  j.Set("row_id", Json::String(r.row_id));
  return j;
}

std::optional<AttachmentRef> RefFromJson(const Json& j) {
  const Json* type = j.Find("object_type");
  const Json* id = j.Find("object_id");
  const Json* row = j.Find("row_id");
  if (type == nullptr || id == nullptr || row == nullptr || !type->is_string()) return {};
  auto t = model::ParseObjectType(type->string_value());
  if (!t.ok() || !id->is_string() || !row->is_string()) return {};
  return AttachmentRef{{*t, id->string_value()}, row->string_value()};
}

Result<AttachmentMeta> ParseMeta(const std::string& text) {
  SLUICE_ASSIGN_OR_RETURN(Json j, Json::Parse(text));
  AttachmentMeta m;
  auto str = [&j](const char* name) {
    const Json* v = j.Find(name);
    return v != nullptr && v->is_string() ? v->string_value() : std::string();
  };
  m.filename = str("filename");
  m.content_type = str("content_type");
  if (const Json* s = j.Find("status"); s != nullptr && s->is_object()) m.status = *s;
  if (const Json* c = j.Find("created"); c != nullptr && c->type() == Json::Type::kInt) {
    m.created = c->int_value();
  }
  if (const Json* refs = j.Find("refs"); refs != nullptr && refs->is_array()) {
    for (const Json& r : refs->array()) {
      if (auto ref = RefFromJson(r)) m.refs.push_back(*ref);
    }
  }
  return m;
}

std::string MetaText(const AttachmentMeta& m) {
  Json j = Json::Object();
  j.Set("filename", Json::String(m.filename));
  j.Set("content_type", Json::String(m.content_type));
  j.Set("status", m.status.is_object() ? m.status : Json::Object());
  j.Set("created", Json::Int(m.created));
  Json refs = Json::Array();
  for (const auto& r : m.refs) refs.Push(RefToJson(r));
  j.Set("refs", std::move(refs));
  return j.ToString();
}

void CollectKeys(const Json& v, std::vector<std::string>& out, int depth) {
  if (depth > 64) return;
  if (v.is_array()) {
    for (const Json& e : v.array()) CollectKeys(e, out, depth + 1);
    return;
  }
  if (!v.is_object()) return;
  const Json* type = v.Find("type");
  const Json* key = v.Find("key");
  if (type != nullptr && type->is_string() && type->string_value() == "braintrust_attachment" &&
      key != nullptr && key->is_string()) {
    out.push_back(key->string_value());
    return;
  }
  for (const auto& [k, child] : v.members()) CollectKeys(child, out, depth + 1);
}

}  // namespace

std::vector<std::string> AttachmentStore::KeysIn(std::string_view json_text) {
  std::vector<std::string> out;
  if (json_text.find("braintrust_attachment") == std::string_view::npos) return out;
  auto v = Json::Parse(json_text);
  if (v.ok()) CollectKeys(*v, out, 0);
  return out;
}

Result<std::optional<AttachmentMeta>> AttachmentStore::GetMeta(const std::string& org,
                                                               const std::string& key) {
  auto text = blobs_.Get(MetaKey(org, key));
  if (text.status().code() == StatusCode::kNotFound) return std::optional<AttachmentMeta>();
  SLUICE_RETURN_IF_ERROR(text.status());
  SLUICE_ASSIGN_OR_RETURN(AttachmentMeta m, ParseMeta(*text));
  return std::optional<AttachmentMeta>(std::move(m));
}

Status AttachmentStore::PutMeta(const std::string& org, const std::string& key,
                                const AttachmentMeta& meta) {
  return blobs_.Put(MetaKey(org, key), MetaText(meta));
}

Status AttachmentStore::Describe(const std::string& org, const std::string& key,
                                 const std::string& filename, const std::string& content_type) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  SLUICE_ASSIGN_OR_RETURN(auto meta, GetMeta(org, key));
  AttachmentMeta m = meta.value_or(AttachmentMeta{});
  if (m.created == 0) m.created = clock_.NowMicros();
  m.filename = filename;
  m.content_type = content_type;
  m.status = Json::Object();
  m.status.Set("upload_status", Json::String("uploading"));
  return PutMeta(org, key, m);
}

Status AttachmentStore::SetStatus(const std::string& org, const std::string& key,
                                  const Json& status) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  SLUICE_ASSIGN_OR_RETURN(auto meta, GetMeta(org, key));
  if (!meta) return NotFoundError("attachment " + key + " not found (POST /attachment first)");
  meta->status = status;
  return PutMeta(org, key, *meta);
}

Status AttachmentStore::AddRefs(const std::string& org,
                                const std::vector<std::pair<std::string, AttachmentRef>>& refs) {
  std::lock_guard<std::mutex> lock(meta_mu_);
  for (const auto& [key, ref] : refs) {
    SLUICE_ASSIGN_OR_RETURN(auto meta, GetMeta(org, key));
    AttachmentMeta m = meta.value_or(AttachmentMeta{});
    if (m.created == 0) m.created = clock_.NowMicros();
    bool known = false;
    for (const auto& r : m.refs) known |= r.object == ref.object && r.row_id == ref.row_id;
    if (known) continue;
    m.refs.push_back(ref);
    SLUICE_RETURN_IF_ERROR(PutMeta(org, key, m));
  }
  return Status();
}

Result<bool> AttachmentStore::HasData(const std::string& org, const std::string& key) {
  auto head = blobs_.Head(DataKey(org, key));
  if (head.ok()) return true;
  if (head.status().code() == StatusCode::kNotFound) return false;
  return head.status();
}

Status AttachmentStore::PutData(const std::string& org, const std::string& key,
                                std::string_view bytes) {
  return blobs_.Put(DataKey(org, key), bytes);
}

Result<std::string> AttachmentStore::GetData(const std::string& org, const std::string& key) {
  return blobs_.Get(DataKey(org, key));
}

Result<bool> AttachmentStore::Referenced(const AttachmentMeta& meta) {
  for (const auto& r : meta.refs) {
    SLUICE_ASSIGN_OR_RETURN(bool exists, store_.RowExists(r.object, r.row_id));
    if (exists) return true;
  }
  return false;
}

Result<int64_t> AttachmentStore::Sweep() {
  SLUICE_ASSIGN_OR_RETURN(auto metas, blobs_.ListAll(kMetaPrefix));
  const TimestampMicros unreferenced_cutoff =
      clock_.NowMicros() - options_.unreferenced_keep_seconds * 1'000'000;
  int64_t removed = 0;
  for (const cloud::ObjectInfo& info : metas) {
    // "attachment-meta/<org>/<key>"
    const std::string rest = info.key.substr(sizeof(kMetaPrefix) - 1);
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) continue;
    const std::string org = rest.substr(0, slash);
    const std::string key = rest.substr(slash + 1);
    std::lock_guard<std::mutex> lock(meta_mu_);
    SLUICE_ASSIGN_OR_RETURN(auto meta, GetMeta(org, key));
    if (!meta) continue;
    if (meta->refs.empty()) {
      if (meta->created > unreferenced_cutoff) continue;
    } else {
      SLUICE_ASSIGN_OR_RETURN(bool referenced, Referenced(*meta));
      if (referenced) continue;
    }
    SLUICE_RETURN_IF_ERROR(blobs_.Delete(DataKey(org, key)));
    SLUICE_RETURN_IF_ERROR(blobs_.Delete(MetaKey(org, key)));
    ++removed;
  }
  return removed;
}

Result<int64_t> AttachmentStore::SweepIfDue(int64_t purged_rows) {
  std::lock_guard<std::mutex> lock(sweep_mu_);
  const TimestampMicros now = clock_.NowMicros();
  if (purged_rows <= 0 && now - last_sweep_ < options_.sweep_interval_seconds * 1'000'000) {
    return 0;
  }
  last_sweep_ = now;
  SLUICE_ASSIGN_OR_RETURN(int64_t removed, Sweep());
  if (removed > 0) SLUICE_LOG_INFO("removed {} attachments whose rows are gone", removed);
  return removed;
}

}  // namespace sluice::jobs
