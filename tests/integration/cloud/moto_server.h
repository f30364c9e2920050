// MotoServer: starts moto's server (S3, STS and IAM) on a free loopback port in strict mode
// (INITIAL_NO_AUTH_ACTION_COUNT), prepares it with moto_setup.py and stops it on destruction.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"
#include "process_util.h"

namespace sluice::testing {

struct MotoIdentity {
  std::string user_arn;
  std::string access_key_id;
  std::string secret_access_key;
  std::string role_arn;
};

class MotoServer {
 public:
  // Requests moto serves without authentication: exactly those moto_setup.py makes.
  static constexpr int kSetupRequests = 6;

  MotoServer() = default;
  ~MotoServer();
  MotoServer(const MotoServer&) = delete;
  MotoServer& operator=(const MotoServer&) = delete;

  // Starts the server and runs the setup (bucket `bucket`, trust on `external_id`).
  Status Start(const std::string& bucket, const std::string& external_id);
  void Stop();

  const std::string& endpoint() const { return endpoint_; }
  const MotoIdentity& identity() const { return identity_; }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
  MotoIdentity identity_;
};

// The fault-injecting proxy tests/testing/fault_proxy.py in front of `upstream`, on a free
// loopback port; stopped on destruction. Faults are set with SetPlan (see the script).
class FaultProxy {
 public:
  FaultProxy() = default;
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  Status Start(const std::string& upstream);
  const std::string& endpoint() const { return endpoint_; }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
};

}  // namespace sluice::testing
