// The `credentials` of an export config (Braintrust's btql_export shapes: {type: "aws_iam",
// role_arn} and {type: "gcp_service_account", service_account_email}; and sluice's
// {type: "azure_identity", tenant_id, client_id}, {type: "azure_sas"} and
// {type: "azure_shared_key"}), parsed, checked against the export_path's cloud, and written
// back in their canonical form.
#pragma once

#include "cloud/destination.h"
#include "cloud/storage_url.h"
#include "common/json.h"
#include "common/status.h"

namespace sluice::jobs {

// Reads config.credentials for a destination at `url` into `out` (all but external_id, which
// the server computes). kInvalidArgument naming the field and what it must be; file://
// destinations take none.
Status ParseExportCredentials(const Json& config, const cloud::StorageUrl& url,
                              cloud::DestinationCredentials* out);

// The canonical credentials object (aws_iam with its external_id), or null for none.
Json ExportCredentialsToJson(const cloud::DestinationCredentials& credentials);

}  // namespace sluice::jobs
