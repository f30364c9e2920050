#include "moto_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "common/json.h"

namespace sluice::testing {
namespace {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Forks and execs python3 with `args`; the child dies with the parent.
pid_t SpawnPython(const std::vector<std::string>& args, const char* env_name,
                  const std::string& env_value) {
  std::fflush(nullptr);  // the child must not repeat buffered output
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
  if (env_name != nullptr) ::setenv(env_name, env_value.c_str(), 1);
  std::freopen("/dev/null", "w", stderr);
  std::freopen("/dev/null", "w", stdout);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>("python3"));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp("python3", argv.data());
  ::_exit(127);
}

bool WaitForPort(int port) {
  for (int i = 0; i < 300; ++i) {
    if (CanConnect(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void StopChild(pid_t& pid) {
  if (pid > 0) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
}

}  // namespace

std::string CloudIntegrationDir() {
  const char* s = std::getenv("SLUICE_SOURCE_DIR");
  return std::string(s ? s : ".") + "/tests/integration/cloud";
}

Result<std::string> RunCommand(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return InternalError("popen failed: " + command);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0) return InternalError("command failed (" + std::to_string(rc) + "): " + command);
  return out;
}

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
