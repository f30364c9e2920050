// GcsFake: tests/testing/gcs_fake.mjs (Cloud Storage JSON API, OAuth token endpoint, IAM
// Credentials API, metadata server) on a free loopback port, with service account keys made by
// the openssl command line: sluice's own identity (a key file for
// GOOGLE_APPLICATION_CREDENTIALS), the customer's export account it may impersonate, and a
// judge that reads back with Google's Node client (gcs_tool.mjs). Stopped on destruction.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace sluice::testing {

inline constexpr char kGcsServerAccount[] = "sluice-server@host.iam.gserviceaccount.com";
inline constexpr char kGcsExportAccount[] = "export@customer.iam.gserviceaccount.com";
inline constexpr char kGcsJudgeAccount[] = "judge@tests.iam.gserviceaccount.com";
// The bucket the export account (and the judge) may write; "private" only the judge.
inline constexpr char kGcsBucket[] = "exports";

class GcsFake {
 public:
  GcsFake() = default;
  ~GcsFake() { Stop(); }
  GcsFake(const GcsFake&) = delete;
  GcsFake& operator=(const GcsFake&) = delete;

  Status Start(const std::string& work_dir);
  void Stop();

  // "http://127.0.0.1:<port>": storage, token, IAM Credentials and metadata endpoints alike.
  const std::string& endpoint() const { return endpoint_; }
  // sluice's own key file.
  const std::string& server_key_file() const { return server_key_; }
  // POST /_fake/fault with `json`.
  Status Fault(const std::string& json) const;
  // The fake's request log (JSON array).
  Result<std::string> Requests() const;
  // Runs gcs_tool.mjs (Google's client, as the judge) with `args`; its stdout.
  Result<std::string> Tool(const std::string& args) const;

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
  std::string server_key_;
  std::string judge_key_;
};

}  // namespace sluice::testing
