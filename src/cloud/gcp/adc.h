// Application Default Credentials: the server's own Google identity, found as Google's client
// libraries find it: the file GOOGLE_APPLICATION_CREDENTIALS names, else gcloud's well-known
// file, else the metadata server. sluice uses it only to impersonate the service account an
// automation names (impersonation.h), so no customer hands out a key.
#pragma once

#include <memory>
#include <string>

#include "cloud/gcp/gcp_settings.h"
#include "cloud/http/http_client.h"
#include "cloud/oauth/access_token.h"

namespace sluice::cloud {

// The chain, with tokens for the cloud-platform scope. `http` and `clock` are borrowed. A file
// that GOOGLE_APPLICATION_CREDENTIALS names but that cannot be used is an error (no fallback to
// another identity); a missing well-known file or metadata server passes to the next source.
std::unique_ptr<TokenProvider> MakeApplicationDefaultCredentials(const GcpSettings& settings,
                                                                 HttpClient& http, Clock& clock);

// Who the server is, in the words an IAM binding needs: "serviceAccount:<email>" for a key
// file or the metadata server, "principal://..." hints for workload identity federation
// (its audience), "user credentials (gcloud)" otherwise. kNotFound when no source has one.
Result<std::string> DescribeGooglePrincipal(const GcpSettings& settings, HttpClient& http,
                                            Clock& clock);

}  // namespace sluice::cloud
