// What to tell a user after a call to an export destination failed, in the words of its cloud:
// a missing bucket or container, what to grant when the service denied the call, which
// credentials to check when it refused them. Read from the error's StorageError reason, never
// from its text. The probe, the export runner and imports all explain failures here.
#pragma once

#include <string>
#include <string_view>

#include "cloud/destination.h"
#include "common/status.h"

namespace sluice::cloud {

// The service's own name of `action` on `scheme` ("PutObject", "PutBlob", "objects.insert").
std::string_view OperationName(StorageUrl::Scheme scheme, StorageAction action);

// "<what failed> on <where>: <what to change> [<the service's message>]", where `where` is
// destination.store->Describe(key). The message never holds a credential.
std::string ExplainStorageFailure(const Status& status, StorageAction action,
                                  const Destination& destination, const std::string& key);

}  // namespace sluice::cloud
