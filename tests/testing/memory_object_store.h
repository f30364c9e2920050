// MemoryObjectStore: an in-memory cloud::ObjectStore for tests, with failure injection. Objects
// become visible on Finish, as in S3. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloud/object_store.h"

namespace sluice::testing {

class MemoryObjectStore final : public cloud::ObjectStore {
 public:
  // Called before every write (Put, writer Write and Finish) with the key; a non-OK status is
  // returned to the caller instead of writing.
  std::function<Status(const std::string& key)> fail_write;

  Status Put(const std::string& key, std::string_view bytes) override {
    if (fail_write) SLUICE_RETURN_IF_ERROR(fail_write(key));
    std::lock_guard<std::mutex> lock(mu_);
    objects_[key] = std::string(bytes);
    ++puts_;
    return Status();
  }
  Result<std::unique_ptr<cloud::ObjectWriter>> NewWriter(const std::string& key) override {
    return std::unique_ptr<cloud::ObjectWriter>(new Writer(*this, key));
  }
  Result<std::string> Get(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFoundError("NoSuchKey: " + key);
    return it->second;
  }
  Result<cloud::ObjectInfo> Head(const std::string& key) override {
    SLUICE_ASSIGN_OR_RETURN(std::string body, Get(key));
    return cloud::ObjectInfo{key, static_cast<int64_t>(body.size()), "", 0};
  }
  Status Delete(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_.erase(key);
    return Status();
  }
  Result<cloud::ListPage> List(const std::string& prefix, const std::string&, int) override {
    std::lock_guard<std::mutex> lock(mu_);
    cloud::ListPage page;
    for (const auto& [k, v] : objects_) {
      if (k.starts_with(prefix)) page.objects.push_back({k, static_cast<int64_t>(v.size()), "", 0});
    }
    return page;
  }
  std::string Describe(const std::string& key) const override { return "s3://bucket/" + key; }

  std::map<std::string, std::string> objects() {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_;
  }
  // Objects written with Put or a finished writer, overwrites included.
  int writes() {
    std::lock_guard<std::mutex> lock(mu_);
    return puts_;
  }

 private:
  class Writer final : public cloud::ObjectWriter {
   public:
    Writer(MemoryObjectStore& store, std::string key) : store_(store), key_(std::move(key)) {}
    Status Write(std::string_view chunk) override {
      if (store_.fail_write) SLUICE_RETURN_IF_ERROR(store_.fail_write(key_));
      data_.append(chunk);
      return Status();
    }
    Result<cloud::ObjectInfo> Finish() override {
      SLUICE_RETURN_IF_ERROR(store_.Put(key_, data_));
      return cloud::ObjectInfo{key_, static_cast<int64_t>(data_.size()), "", 0};
    }
    Status Abort() override { return Status(); }

   private:
    MemoryObjectStore& store_;
    std::string key_;
    std::string data_;
  };

  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  int puts_ = 0;
};

}  // namespace sluice::testing
