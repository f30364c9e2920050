// GroupCommit (internal to store/sqlite): requests that arrive while a group of earlier ones is
// being committed wait, and are then committed together in the next group by one of them (the
// leader), so that many small requests share one transaction. Each commit rewrites the index
// pages it touched, so fewer, larger commits write far less.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace sluice::store::sqlite {

// Thread-safe. `Request` is the caller's; the queue only holds pointers to them.
template <typename Request>
class GroupCommit {
 public:
  using CommitFn = std::function<void(const std::vector<Request*>& group)>;

  // A group holds requests in arrival order, up to `max_rows` rows (but at least one request).
  explicit GroupCommit(size_t max_rows) : max_rows_(max_rows) {}

  // Queues `request` (of `rows` rows) and returns once a group that holds it has been committed
  // by `commit`: called on this thread, for this and other requests, or on another submitter's,
  // one group at a time. `request` must stay alive until then.
  void Submit(Request* request, size_t rows, const CommitFn& commit) {
    Node me{request, rows};
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(&me);
    while (!me.done) {
      if (leader_active_) {
        cv_.wait(lock);
        continue;
      }
      leader_active_ = true;
      std::vector<Node*> nodes;
      std::vector<Request*> group;
      size_t group_rows = 0;
      while (!queue_.empty() && (group.empty() || group_rows < max_rows_)) {
        group_rows += queue_.front()->rows;
        nodes.push_back(queue_.front());
        group.push_back(queue_.front()->request);
        queue_.pop_front();
      }
      lock.unlock();
      commit(group);
      lock.lock();
      leader_active_ = false;
      for (Node* n : nodes) n->done = true;
      cv_.notify_all();
    }
  }

  // Requests waiting for a group (not those being committed).
  size_t queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  struct Node {
    Request* request;
    size_t rows;
    bool done = false;  // guarded by mu_
  };

  const size_t max_rows_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Node*> queue_;     // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
};

}  // namespace sluice::store::sqlite
