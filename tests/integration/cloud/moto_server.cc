#include "moto_server.h"

#include <cstdlib>
#include <vector>

#include "common/json.h"

namespace sluice::testing {
namespace {

pid_t SpawnPython(const std::vector<std::string>& args, const char* env_name,
                  const std::string& env_value) {
  std::vector<std::string> argv{"python3"};
  argv.insert(argv.end(), args.begin(), args.end());
  if (env_name == nullptr) return Spawn(argv);
  return Spawn(argv, {{env_name, env_value}});
}

}  // namespace

Status MotoServer::Start(const std::string& bucket, const std::string& external_id) {
  const int port = FreePort();
  const std::string port_str = std::to_string(port);
  pid_ = SpawnPython({"-m", "moto.server", "-H", "127.0.0.1", "-p", port_str},
                     "INITIAL_NO_AUTH_ACTION_COUNT", std::to_string(kSetupRequests));
  if (pid_ < 0) return InternalError("fork failed");
  endpoint_ = "http://127.0.0.1:" + port_str;
  if (!WaitForPort(port)) return UnavailableError("moto did not start on port " + port_str);
  SLUICE_ASSIGN_OR_RETURN(std::string out,
                          RunCommand("python3 " + CloudIntegrationDir() + "/moto_setup.py " +
                                     endpoint_ + " " + bucket + " '" + external_id + "'"));
  SLUICE_ASSIGN_OR_RETURN(Json j, Json::Parse(out));
  identity_.user_arn = j.Find("user_arn")->string_value();
  identity_.access_key_id = j.Find("access_key_id")->string_value();
  identity_.secret_access_key = j.Find("secret_access_key")->string_value();
  identity_.role_arn = j.Find("role_arn")->string_value();
  return Status();
}

void MotoServer::Stop() { StopChild(pid_); }

Status FaultProxy::Start(const std::string& upstream) {
  const int port = FreePort();
  const std::string port_str = std::to_string(port);
  const char* src = std::getenv("SLUICE_SOURCE_DIR");
  const std::string script = std::string(src ? src : ".") + "/tests/testing/fault_proxy.py";
  pid_ = SpawnPython({script, "--upstream", upstream, "--port", port_str}, nullptr, "");
  if (pid_ < 0) return InternalError("fork failed");
  endpoint_ = "http://127.0.0.1:" + port_str;
  if (!WaitForPort(port)) return UnavailableError("fault proxy did not start on " + port_str);
  return Status();
}

FaultProxy::~FaultProxy() { StopChild(pid_); }

MotoServer::~MotoServer() { Stop(); }

}  // namespace sluice::testing
