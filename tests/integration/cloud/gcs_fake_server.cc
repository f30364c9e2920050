#include "gcs_fake_server.h"

#include <fstream>
#include <sstream>

#include "common/json.h"
#include "process_util.h"

namespace sluice::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Makes an RSA key for `name` in `dir`; returns {private PEM, public PEM}.
Result<std::pair<std::string, std::string>> MakeKey(const std::string& dir,
                                                    const std::string& name) {
  const std::string key = dir + "/" + name + ".pem";
  const std::string pub = dir + "/" + name + ".pub";
  SLUICE_RETURN_IF_ERROR(RunCommand("openssl genpkey -algorithm RSA -pkeyopt "
                                    "rsa_keygen_bits:2048 -out " +
                                    key + " 2>/dev/null && openssl pkey -in " + key +
                                    " -pubout -out " + pub)
                             .status());
  return std::make_pair(Slurp(key), Slurp(pub));
}

std::string KeyFileJson(const std::string& email, const std::string& pem,
                        const std::string& token_uri) {
  Json doc = Json::Object();
  doc.Set("type", Json::String("service_account"));
  doc.Set("project_id", Json::String("tests"));
  doc.Set("private_key_id", Json::String("k-" + email.substr(0, email.find('@'))));
  doc.Set("private_key", Json::String(pem));
  doc.Set("client_email", Json::String(email));
  doc.Set("token_uri", Json::String(token_uri));
  return doc.ToString();
}

Json Strings(std::initializer_list<const char*> values) {
  Json out = Json::Array();
  for (const char* v : values) out.Push(Json::String(v));
  return out;
}

}  // namespace

Status GcsFake::Start(const std::string& work_dir) {
  const int port = FreePort();
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  SLUICE_ASSIGN_OR_RETURN(auto server, MakeKey(work_dir, "server"));
  SLUICE_ASSIGN_OR_RETURN(auto judge, MakeKey(work_dir, "judge"));
  server_key_ = work_dir + "/server-key.json";
  judge_key_ = work_dir + "/judge-key.json";
  std::ofstream(server_key_) << KeyFileJson(kGcsServerAccount, server.first, endpoint_ + "/token");
  std::ofstream(judge_key_) << KeyFileJson(kGcsJudgeAccount, judge.first, endpoint_ + "/token");
  Json keys = Json::Object();
  keys.Set(kGcsServerAccount, Json::String(server.second));
  keys.Set(kGcsJudgeAccount, Json::String(judge.second));
  Json creators = Json::Object();
  creators.Set(kGcsExportAccount, Strings({kGcsServerAccount}));
  Json buckets = Json::Object();
  buckets.Set(kGcsBucket, Strings({kGcsExportAccount, kGcsJudgeAccount}));
  buckets.Set("private", Strings({kGcsJudgeAccount}));
  Json config = Json::Object();
  config.Set("service_accounts", std::move(keys));
  config.Set("token_creators", std::move(creators));
  config.Set("buckets", std::move(buckets));
  config.Set("metadata_email", Json::String(kGcsServerAccount));
  const std::string config_path = work_dir + "/gcs-fake.json";
  std::ofstream(config_path) << config.ToString();
  pid_ = Spawn({"node", TestsDir() + "/testing/gcs_fake.mjs", std::to_string(port), config_path},
               {}, work_dir + "/gcs-fake.log");
  if (pid_ < 0) return InternalError("fork failed");
  if (!WaitForPort(port)) return UnavailableError("the Cloud Storage fake did not start");
  return Status();
}

void GcsFake::Stop() { StopChild(pid_); }

Status GcsFake::Fault(const std::string& json) const {
  return RunCommand("curl -sf -X POST -d '" + json + "' " + endpoint_ + "/_fake/fault").status();
}

Result<std::string> GcsFake::Requests() const {
  return RunCommand("curl -sf " + endpoint_ + "/_fake/requests");
}

Result<std::string> GcsFake::Tool(const std::string& args) const {
  return RunCommand("SLUICE_GCS_ENDPOINT=" + endpoint_ + " SLUICE_GCS_KEY=" + judge_key_ +
                    " node " + CloudIntegrationDir() + "/gcs_tool.mjs " + args);
}

}  // namespace sluice::testing
