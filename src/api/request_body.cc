#include "api/request_body.h"

#include "common/uuid.h"

namespace sluice::api {

Result<Json> ParseBodyObject(std::string_view body) {
  if (body.empty()) return Json::Object();
  auto j = Json::Parse(body);
  if (!j.ok()) return InvalidArgumentError("request body: " + j.status().message());
  if (!j->is_object()) return InvalidArgumentError("request body: must be a JSON object");
  return j;
}

namespace {
Status TypeError(const char* name, const char* want, const Json& got) {
  return InvalidArgumentError(std::string(name) + ": must be " + want + ", not " +
                              std::string(got.TypeName()));
}
}  // namespace

Result<std::optional<std::string>> OptionalString(const Json& body, const char* name) {
  const Json* v = body.Find(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return TypeError(name, "a string", *v);
  return std::optional<std::string>(v->string_value());
}

Result<std::optional<bool>> OptionalBool(const Json& body, const char* name) {
  const Json* v = body.Find(name);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return TypeError(name, "a boolean", *v);
  return std::optional<bool>(v->bool_value());
}

Result<std::optional<int64_t>> OptionalInt(const Json& body, const char* name) {
  const Json* v = body.Find(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (v->type() != Json::Type::kInt) return TypeError(name, "an integer", *v);
  return std::optional<int64_t>(v->int_value());
}

Result<std::string> OptionalObjectText(const Json& body, const char* name) {
  const Json* v = body.Find(name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_object()) return TypeError(name, "an object", *v);
  return v->ToString();
}

Result<std::vector<std::string>> OptionalStrings(const Json& body, const char* name) {
  std::vector<std::string> out;
  const Json* v = body.Find(name);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return TypeError(name, "an array of strings", *v);
  for (const Json& s : v->array()) {
    if (!s.is_string()) return TypeError(name, "an array of strings", s);
    out.push_back(s.string_value());
  }
  return out;
}

Status CheckUuid(const std::string& value, const char* name) {
  if (!IsUuid(value)) {
    return InvalidArgumentError(std::string(name) + ": \"" + value.substr(0, 64) +
                                "\" is not a valid UUID");
  }
  return Status();
}

Result<std::string> RequiredUuid(const Json& body, const char* name) {
  SLUICE_ASSIGN_OR_RETURN(auto v, OptionalString(body, name));
  if (!v) return InvalidArgumentError(std::string(name) + ": required");
  SLUICE_RETURN_IF_ERROR(CheckUuid(*v, name));
  return *v;
}

}  // namespace sluice::api
