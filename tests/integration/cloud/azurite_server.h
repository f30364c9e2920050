// AzuriteServer: Microsoft's Azure Storage emulator (npm azurite, from tests/node_modules)
// serving Blob Storage on a free loopback port with in-memory persistence, over HTTP, or over
// HTTPS with a self-signed certificate and bearer-token checking ("--oauth basic"). Stopped on
// destruction. AzureBlobTool runs Microsoft's @azure/storage-blob client against it.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace sluice::testing {

// Azurite's well-known development account (public; accepted by no real service).
inline constexpr char kDevAccount[] = "devstoreaccount1";
inline constexpr char kDevAccountKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

class AzuriteServer {
 public:
  AzuriteServer() = default;
  ~AzuriteServer() { Stop(); }
  AzuriteServer(const AzuriteServer&) = delete;
  AzuriteServer& operator=(const AzuriteServer&) = delete;

  // `https`: serve TLS with a certificate made for 127.0.0.1 in `work_dir` (cert.pem) and
  // accept Entra ID bearer tokens.
  Status Start(const std::string& work_dir, bool https = false);
  void Stop();

  // "http(s)://127.0.0.1:<port>/devstoreaccount1": the account's blob endpoint.
  const std::string& endpoint() const { return endpoint_; }
  // The certificate to trust for https (empty otherwise).
  const std::string& cert_path() const { return cert_path_; }

  // Runs tests/integration/cloud/azure_blob.mjs (Microsoft's client) with `args`; its stdout.
  Result<std::string> Tool(const std::string& args) const;

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
  std::string cert_path_;
};

}  // namespace sluice::testing
