#include "jobs/import_plan.h"

#include <algorithm>
#include <map>

#include "common/json.h"

namespace sluice::jobs {

namespace {

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool Selected(const std::string& date, const ImportSelection& s) {
  if (s.from_date.empty() && s.to_date.empty()) return true;
  if (date.empty()) return false;
  return (s.from_date.empty() || date >= s.from_date) && (s.to_date.empty() || date <= s.to_date);
}

// A cursor as the manifest writes it: {"xact_id": "<decimal>", "row_key": n}.
std::pair<uint64_t, int64_t> CursorOf(const Json* c) {
  if (c == nullptr) return {0, 0};
  const Json* x = c->Find("xact_id");
  const Json* k = c->Find("row_key");
  const uint64_t xact =
      x != nullptr && x->is_string() ? std::strtoull(x->string_value().c_str(), nullptr, 10) : 0;
  return {xact, k != nullptr && k->type() == Json::Type::kInt ? k->int_value() : 0};
}

int64_t IntOf(const Json& j, const char* name) {
  const Json* v = j.Find(name);
  return v != nullptr && v->type() == Json::Type::kInt ? v->int_value() : -1;
}

struct Ordered {
  std::pair<uint64_t, int64_t> from;
  ImportFile file;
};

Status ReadManifest(cloud::ObjectStore& store, const std::string& key,
                    std::map<std::string, Ordered>& files) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, store.Get(key));
  auto m = Json::Parse(text);
  const Json* list = m.ok() ? m->Find("files") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return InvalidArgumentError("manifest " + store.Describe(key) + " is not a run manifest");
  }
  for (const Json& f : list->array()) {
    const Json* k = f.Find("key");
    const Json* sha = f.Find("sha256");
    if (k == nullptr || !k->is_string() || sha == nullptr || !sha->is_string()) {
      return InvalidArgumentError("manifest " + store.Describe(key) +
                                  " lists a file without key or sha256");
    }
    ImportFile file;
    file.key = k->string_value();
    file.parquet = file.key.ends_with(".parquet");
    file.rows = IntOf(f, "rows");
    file.bytes = IntOf(f, "bytes");
    file.sha256 = sha->string_value();
    file.date_folder = DateFolderOf(file.key);
    const std::string file_key = file.key;
    files[file_key] = {CursorOf(f.Find("cursor_from")), std::move(file)};
  }
  return Status();
}

}  // namespace

std::string DateFolderOf(const std::string& key) {
  // Each path segment in turn: the first, then the one after each '/'.
  for (size_t start = 0; start != std::string::npos;) {
    std::string_view rest = std::string_view(key).substr(start);
    const size_t slash = key.find('/', start);
    start = slash == std::string::npos ? slash : slash + 1;
    if (rest.starts_with("date=")) rest.remove_prefix(5);
    if (rest.size() > 10 && rest[10] == '/' && IsDate(rest.substr(0, 10))) {
      return std::string(rest.substr(0, 10));
    }
  }
  return std::string();
}

Status CheckImportSelection(const ImportSelection& selection) {
  for (const auto& [name, d] :
       {std::pair{"from", &selection.from_date}, std::pair{"to", &selection.to_date}}) {
    if (!d->empty() && !IsDate(*d)) {
      return InvalidArgumentError(std::string(name) + ": \"" + *d + "\" must be YYYY-MM-DD");
    }
  }
  return Status();
}

Result<ImportPlan> PlanImport(cloud::ObjectStore& store, const cloud::StorageUrl& url,
                              const ImportSelection& selection) {
  SLUICE_RETURN_IF_ERROR(CheckImportSelection(selection));
  // One listing under the prefix (not under the manifests' folder: some S3-compatible stores
  // refuse a listing prefix with '/' in it).
  const std::string prefix = url.path.empty() ? std::string() : url.Join("");
  SLUICE_ASSIGN_OR_RETURN(auto listed, store.ListAll(url.path));
  const std::string manifests = url.Join("_sluice/manifests/");
  ImportPlan plan;
  std::map<std::string, Ordered> files;
  for (const cloud::ObjectInfo& o : listed) {
    if (!o.key.starts_with(prefix)) continue;
    if (o.key.starts_with(manifests) && o.key.ends_with(".json")) {
      SLUICE_RETURN_IF_ERROR(ReadManifest(store, o.key, files));
      ++plan.manifests;
    }
  }
  plan.from_manifests = plan.manifests > 0;
  if (!plan.from_manifests) {
    for (const cloud::ObjectInfo& o : listed) {
      const bool jsonl = o.key.ends_with(".jsonl");
      if (!o.key.starts_with(prefix) || o.key.find("/_sluice/") != std::string::npos ||
          (!jsonl && !o.key.ends_with(".parquet"))) {
        continue;
      }
      files[o.key] = {{0, 0}, {o.key, !jsonl, -1, -1, "", DateFolderOf(o.key)}};
    }
  }
  if (!selection.keys.empty()) {
    std::map<std::string, Ordered> chosen;
    for (const std::string& key : selection.keys) {
      auto it = files.find(key);
      if (it == files.end() || !plan.from_manifests) {
        return DataLossError(store.Describe(key) +
                             " is in no manifest of the export (was it removed from the bucket?)");
      }
      chosen[key] = it->second;
    }
    files = std::move(chosen);
  }
  std::vector<Ordered> ordered;
  for (auto& [key, f] : files) {
    if (Selected(f.file.date_folder, selection)) ordered.push_back(std::move(f));
  }
  // Export order: a later version of a row comes from a later file and must be applied last.
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Ordered& a, const Ordered& b) { return a.from < b.from; });
  for (auto& o : ordered) plan.files.push_back(std::move(o.file));
  return plan;
}

}  // namespace sluice::jobs
