#include "cloud/oauth/token_providers.h"

namespace sluice::cloud {

Result<AccessToken> ChainTokenProvider::GetToken() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (last_ != nullptr) {
      auto t = last_->GetToken();
      if (t.ok() || t.status().code() != StatusCode::kNotFound) return t;
    }
  }
  std::string reasons;
  for (const auto& source : sources_) {
    auto t = source->GetToken();
    if (t.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = source.get();
      return t;
    }
    if (t.status().code() != StatusCode::kNotFound) {
      return t.status().WithContext(what_ + " from " + source->Name());
    }
    reasons += "; " + source->Name() + ": " + t.status().message();
  }
  return NotFoundError("no " + what_ + " found" + reasons);
}

void ChainTokenProvider::Invalidate() {
  for (const auto& source : sources_) source->Invalidate();
}

std::string ChainTokenProvider::Name() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_ != nullptr) return last_->Name();
  std::string out = "chain(";
  for (size_t i = 0; i < sources_.size(); ++i) out += (i ? ", " : "") + sources_[i]->Name();
  return out + ")";
}

}  // namespace sluice::cloud
