#include "azurite_server.h"

#include "process_util.h"

namespace sluice::testing {

Status AzuriteServer::Start(const std::string& work_dir, bool https) {
  const int port = FreePort();
  const std::string port_str = std::to_string(port);
  std::vector<std::string> argv{"node",
                                TestsDir() + "/node_modules/azurite/dist/src/blob/main.js",
                                "--blobHost",
                                "127.0.0.1",
                                "--blobPort",
                                port_str,
                                "--inMemoryPersistence",
                                "--disableTelemetry",
                                "--silent"};
  if (https) {
    cert_path_ = work_dir + "/cert.pem";
    const std::string key = work_dir + "/key.pem";
    SLUICE_RETURN_IF_ERROR(
        RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                   "-addext subjectAltName=IP:127.0.0.1 -keyout " +
                   key + " -out " + cert_path_ + " 2>/dev/null")
            .status());
    for (const char* a : {"--oauth", "basic", "--cert"}) argv.push_back(a);
    argv.push_back(cert_path_);
    argv.push_back("--key");
    argv.push_back(key);
  }
  pid_ = Spawn(argv, {}, work_dir + "/azurite.log");
  if (pid_ < 0) return InternalError("fork failed");
  endpoint_ =
      std::string(https ? "https" : "http") + "://127.0.0.1:" + port_str + "/" + kDevAccount;
  if (!WaitForPort(port)) {
    return UnavailableError("azurite did not start on port " + port_str +
                            " (run scripts/setup for tests/node_modules)");
  }
  return Status();
}

void AzuriteServer::Stop() { StopChild(pid_); }

Result<std::string> AzuriteServer::Tool(const std::string& args) const {
  std::string env = "SLUICE_AZURE_BLOB_ENDPOINT='" + endpoint_ + "'";
  if (!cert_path_.empty()) env += " NODE_EXTRA_CA_CERTS='" + cert_path_ + "'";
  return RunCommand(env + " node " + CloudIntegrationDir() + "/azure_blob.mjs " + args);
}

}  // namespace sluice::testing
