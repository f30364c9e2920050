#include "api/otlp/messages.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "api/otlp/value_json.h"
#include "common/json.h"

namespace sluice::api::otlp {

namespace {

// Dotted paths deeper than this keep the rest of the key as their last segment.
constexpr int kMaxPathSegments = 32;
// A path segment of at most this many digits is an array index.
constexpr size_t kMaxIndexDigits = 9;

bool IsIndex(std::string_view s) {
  return !s.empty() && s.size() <= kMaxIndexDigits &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Puts `value` at the dotted `path` under `root` (an object), making objects on the way. A value
// already at a path that now needs children gives way to them.
void PutAtPath(Json& root, std::string_view path, Json value) {
  Json* node = &root;
  for (int segment = 1; segment < kMaxPathSegments; ++segment) {
    const size_t dot = path.find('.');
    if (dot == std::string_view::npos) break;
    const std::string key(path.substr(0, dot));
    Json* child = node->FindMutable(key);
    if (child == nullptr || !child->is_object()) {
      node->Set(key, Json::Object());
      child = node->FindMutable(key);
    }
    node = child;
    path.remove_prefix(dot + 1);
  }
  const Json* existing = node->Find(path);
  if (existing != nullptr && existing->is_object()) return;
  node->Set(std::string(path), std::move(value));
}

// Objects whose keys are all indices become arrays in index order; OpenInference's wrapper
// objects are unwrapped when asked.
void Shape(Json& j, bool unwrap) {
  if (j.is_array()) {
    for (Json& e : j.mutable_array()) Shape(e, unwrap);
    return;
  }
  if (!j.is_object()) return;
  for (auto& [k, v] : j.mutable_members()) Shape(v, unwrap);
  auto& members = j.mutable_members();
  const bool indices =
      !members.empty() && std::all_of(members.begin(), members.end(),
                                      [](const Json::Member& m) { return IsIndex(m.first); });
  if (indices) {
    std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
      return std::stoul(a.first) < std::stoul(b.first);
    });
    Json array = Json::Array();
    for (auto& m : members) array.Push(std::move(m.second));
    j = std::move(array);
    return;
  }
  if (unwrap && members.size() == 1 &&
      (members[0].first == "message" || members[0].first == "tool_call" ||
       members[0].first == "message_content")) {
    Json inner = std::move(members[0].second);
    j = std::move(inner);
  }
}

std::string_view EventRole(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kRoles[] = {
      {"gen_ai.system.message", "system"},
      {"gen_ai.user.message", "user"},
      {"gen_ai.assistant.message", "assistant"},
      {"gen_ai.tool.message", "tool"},
  };
  for (const auto& [event, role] : kRoles) {
    if (name == event) return role;
  }
  return {};
}

// One GenAI message event as a message object: the JSON body an instrumentation put in
// `gen_ai.event.content`, else the object its other attributes (content, role, tool_calls,
// message.*) describe.
Json EventMessage(const DecodedRequest& r, const SpanEvent& event) {
  AttributeIndex attributes(r, event.attributes);
  if (auto body = attributes.Find("gen_ai.event.content")) {
    auto parsed = Json::Parse(JsonCarriedBy(r, *body));
    if (parsed.ok() && parsed->is_object()) return std::move(parsed).value();
  }
  Json message = Json::Object();
  for (uint32_t i = event.attributes.begin; i < event.attributes.end; i += r.values[i].subtree) {
    const std::string_view key = r.values[i].key;
    if (key.starts_with("gen_ai.") || key.empty()) continue;
    PutAtPath(message, key, ValueToJson(r, i));
  }
  Shape(message, false);
  return message;
}

}  // namespace

std::string IndexedMessages(AttributeIndex& attributes, std::string_view prefix, bool unwrap) {
  const std::vector<uint32_t> found = attributes.WithPrefix(prefix);
  Json root = Json::Object();
  bool any = false;
  for (uint32_t index : found) {
    const std::string_view path = attributes.value(index).key.substr(prefix.size());
    if (!IsIndex(path.substr(0, path.find('.')))) continue;  // `<prefix>x`: not a message
    PutAtPath(root, path, ValueToJson(attributes.request(), index));
    attributes.MarkTakenAt(index);
    any = true;
  }
  if (!any) return std::string();
  Shape(root, unwrap);
  return root.ToString();
}

std::string EventMessages(const DecodedRequest& r, const Span& span, bool output) {
  Json list = Json::Array();
  for (uint32_t e = span.events_begin; e < span.events_end; ++e) {
    const SpanEvent& event = r.events[e];
    // The older convention: the whole prompt or completion as JSON in one event attribute.
    if (event.name == (output ? "gen_ai.content.completion" : "gen_ai.content.prompt")) {
      AttributeIndex attributes(r, event.attributes);
      if (auto v = attributes.Find(output ? AttributeKey("gen_ai.completion")
                                          : AttributeKey("gen_ai.prompt"))) {
        return JsonCarriedBy(r, *v);
      }
    }
    const std::string_view role = EventRole(event.name);
    if (output ? event.name != "gen_ai.choice" : role.empty()) continue;
    Json message = EventMessage(r, event);
    if (output && message.Find("message") != nullptr && message.Find("message")->is_object()) {
      Json inner = *message.Find("message");
      message = std::move(inner);
    }
    if (message.is_object() && message.Find("role") == nullptr) {
      message.Set("role", Json::String(std::string(output ? "assistant" : role)));
    }
    list.Push(std::move(message));
  }
  return list.array().empty() ? std::string() : list.ToString();
}

std::string VercelPromptMessages(std::string_view prompt_json) {
  auto parsed = Json::Parse(prompt_json);
  if (!parsed.ok()) return std::string();
  if (!parsed->is_object()) return parsed->ToString();
  Json messages = Json::Array();
  auto message = [](std::string role, const Json& content) {
    Json m = Json::Object();
    m.Set("role", Json::String(std::move(role)));
    m.Set("content", content);
    return m;
  };
  if (const Json* system = parsed->Find("system"); system && !system->is_null()) {
    messages.Push(message("system", *system));
  }
  const Json* list = parsed->Find("messages");
  const Json* prompt = parsed->Find("prompt");
  if (list != nullptr && list->is_array()) {
    for (const Json& m : list->array()) messages.Push(m);
  } else if (prompt != nullptr && prompt->is_array()) {
    for (const Json& m : prompt->array()) messages.Push(m);
  } else if (prompt != nullptr && !prompt->is_null()) {
    messages.Push(message("user", *prompt));
  }
  return messages.array().empty() ? parsed->ToString() : messages.ToString();
}

}  // namespace sluice::api::otlp
