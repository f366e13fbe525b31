#include "http_uploader.h"

#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gearbox::packager {

struct HttpUploader::Client {
  explicit Client(const std::string& scheme_host_port) : http(scheme_host_port) {}
  httplib::Client http;
};

namespace {

const char* content_type(const std::string& name) {
  auto ends = [&](const char* s) {
    const std::string suffix(s);
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".mpd")) return "application/dash+xml";
  if (ends(".m3u8")) return "application/vnd.apple.mpegurl";
  if (ends(".m4s")) return "video/iso.segment";
  if (ends(".ts")) return "video/mp2t";
  return "video/mp4";
}

// Answers worth another try: the origin is overloaded or restarting, or asks for it.
bool transient_status(int status) {
  return status >= 500 || status == 408 || status == 429;
}

template <typename Duration>
std::pair<time_t, time_t> seconds_and_micros(Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return {static_cast<time_t>(us / 1000000), static_cast<time_t>(us % 1000000)};
}

}  // namespace

Result<std::unique_ptr<HttpUploader>> HttpUploader::start(const std::string& base_url,
                                                          std::string staging,
                                                          Log warn,
                                                          UploadPolicy policy) {
  const size_t scheme_end = base_url.find("://");
  const size_t path_start =
      scheme_end == std::string::npos ? std::string::npos : base_url.find('/', scheme_end + 3);
  if (path_start == std::string::npos || base_url.back() != '/') {
    return make_error(ErrorCode::kInvalidArgument,
                      "output: \"" + base_url + "\" is not an http(s)://host/path/ URL");
  }
  std::unique_ptr<HttpUploader> u(new HttpUploader());
  u->staging_ = std::move(staging);  // owned from here: removed on every way out, this one too
  u->client_ = std::make_unique<Client>(base_url.substr(0, path_start));
  if (!u->client_->http.is_valid()) {
    (void)u->stop();  // nothing was queued: only the staging folder to remove
    return make_error(ErrorCode::kInvalidArgument,
                      "output: \"" + base_url + "\" names no reachable scheme/host");
  }
  const auto [cs, cus] = seconds_and_micros(policy.connect_timeout);
  const auto [is, ius] = seconds_and_micros(policy.io_timeout);
  u->client_->http.set_connection_timeout(cs, cus);
  u->client_->http.set_read_timeout(is, ius);
  u->client_->http.set_write_timeout(is, ius);
  u->base_path_ = base_url.substr(path_start);
  u->base_url_ = base_url;
  u->warn_ = std::move(warn);
  u->policy_ = policy;
  u->thread_ = std::thread([p = u.get()] { p->run(); });
  return u;
}

HttpUploader::~HttpUploader() {
  (void)stop();
}  // drain() or stop() already said what was lost

Status HttpUploader::stop() {
  Status undelivered;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stop_) {
      // Another thread is stopping it (close()'s flush and a timeout's terminate may race).
      changed_.wait(lock, [&] { return stopped_; });
      return {};
    }
    if (!queue_.empty()) undelivered = undelivered_locked("stopped");
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) {
    // An attempt in progress is cut off; one the worker starts just after is cut off by the
    // next round (httplib's stop() only closes the socket in use).
    std::unique_lock<std::mutex> lock(mutex_);
    while (!worker_done_) {
      lock.unlock();
      client_->http.stop();
      lock.lock();
      changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return worker_done_; });
    }
    lock.unlock();
    thread_.join();
  }
  std::error_code ec;
  std::filesystem::remove_all(staging_, ec);
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  stopped_ = true;
  changed_.notify_all();
  return undelivered;
}

void HttpUploader::put_segment(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_) return;
  Item item;
  item.kind = Kind::kSegment;
  item.name = name;
  item.sequence = next_sequence_++;
  unsent_.insert(name);
  queue_.push_back(std::move(item));
  changed_.notify_all();
}

void HttpUploader::put_manifest(const std::string& name, const std::vector<std::string>& lists) {
  // Read now: by the time it is sent the packager may have replaced it with a version that
  // lists segments the origin does not have yet.
  std::ifstream in(staged_path(name), std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_) return;
  if (!in || body.str().empty()) {
    const std::string message =
        "output: cannot read the staged manifest " + staged_path(name) + "; it is not sent";
    if (first_error_) first_error_ = make_error(ErrorCode::kIo, message);
    if (warn_) warn_(message);
    return;
  }
  Item item;
  item.kind = Kind::kManifest;
  item.name = name;
  item.body = body.str();
  item.sequence = next_sequence_++;
  // Conservative: every segment queued before it (a superset of what it lists).
  for (const Item& q : queue_) {
    if (q.kind == Kind::kSegment) item.needs[q.name] = q.sequence;
  }
  // Queued before it too, but already refused: it is withheld (next_sendable_locked).
  for (const std::string& refused : refused_segments_) item.needs[refused] = 0;
  for (const std::string& other : lists) {
    if (acknowledged_.count(other)) continue;          // any version will do: it only has to exist
    if (refused_.count(other)) item.needs[other] = 0;  // the origin has none: withheld
    for (const Item& q : queue_) {
      if (q.kind == Kind::kManifest && q.name == other) item.needs[other] = q.sequence;
    }
  }
  // At most two versions wait: the oldest (its segments are sent first, so a slow origin still
  // gets a manifest now and then) and the newest; one in between need not be sent at all.
  // Replacing the oldest too would starve an origin that is always a segment behind.
  std::vector<std::deque<Item>::iterator> waiting;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->kind == Kind::kManifest && it->name == name && it->sequence != sending_)
      waiting.push_back(it);
  }
  if (waiting.size() >= 2) queue_.erase(waiting.back());
  queue_.push_back(std::move(item));
  changed_.notify_all();
}

void HttpUploader::remove(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_) return;
  auto queued = std::find_if(queue_.begin(), queue_.end(), [&](const Item& q) {
    return q.kind == Kind::kSegment && q.name == name;
  });
  if (queued != queue_.end()) {
    if (queued->sequence == sending_) {
      remove_after_send_.insert(name);
      return;
    }
    // Left the window before it was sent: never sent; no manifest still to be sent lists it
    // (forget_segment_locked drops the versions that might).
    queue_.erase(queued);
    forget_segment_locked(name);
  } else if (refused_.erase(name)) {
    refused_segments_.erase(name);
    forget_segment_locked(name);
  } else if (on_origin_.count(name)) {
    queue_delete_locked(name);
  }
  changed_.notify_all();
}

void HttpUploader::forget_segment_locked(const std::string& name) {
  unsent_.erase(name);
  std::remove(staged_path(name).c_str());
  // The newest version of each manifest was rendered after the segment left the list (the
  // packager removes a segment only then), so it only needed it for being queued before it.
  // An older version may list it: it is dropped.
  std::map<std::string, uint64_t> newest;
  for (const Item& q : queue_) {
    if (q.kind == Kind::kManifest) newest[q.name] = q.sequence;
  }
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->needs.count(name) && it->kind == Kind::kManifest && it->sequence != newest[it->name] &&
        it->sequence != sending_) {
      it = queue_.erase(it);
      continue;
    }
    it->needs.erase(name);
    ++it;
  }
}

void HttpUploader::queue_delete_locked(const std::string& name) {
  if (pending_deletes_ >= policy_.max_pending_deletes) {
    // An origin down for long: its old segments stay there rather than memory growing.
    auto oldest = std::find_if(queue_.begin(), queue_.end(), [&](const Item& q) {
      return q.kind == Kind::kDelete && q.sequence != sending_;
    });
    if (oldest != queue_.end()) {
      on_origin_.erase(oldest->name);  // given up on: no longer tracked
      acknowledged_.erase(oldest->name);
      queue_.erase(oldest);
      --pending_deletes_;
      if (deletes_forgotten_++ == 0 && warn_) {
        warn_("output: more than " + std::to_string(policy_.max_pending_deletes) +
              " DELETEs pending; the oldest are not sent (their segments stay on the origin)");
      }
    }
  }
  Item item;
  item.kind = Kind::kDelete;
  item.name = name;
  item.sequence = next_sequence_++;
  // Only once the origin has manifests that no longer list it.
  for (const Item& q : queue_) {
    if (q.kind == Kind::kManifest) item.needs[q.name] = q.sequence;
  }
  ++pending_deletes_;
  queue_.push_back(std::move(item));
}

Status HttpUploader::drain(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return stop_ || queue_.empty(); });
  if (!queue_.empty()) return undelivered_locked("by the close deadline");
  if (stopped_)
    return make_error(ErrorCode::kIo, "output: the upload to " + base_url_ + " was stopped");
  return first_error_;
}

Status HttpUploader::undelivered_locked(const std::string& why) const {
  // Manifests first: they are what a player misses most.
  std::vector<std::string> names;
  for (const Item& q : queue_) {
    if (q.kind == Kind::kManifest) names.push_back(q.name);
  }
  for (const Item& q : queue_) {
    if (q.kind == Kind::kSegment) names.push_back(q.name);
    if (q.kind == Kind::kDelete) names.push_back("DELETE " + q.name);
  }
  std::string list;
  for (size_t i = 0; i < names.size() && i < 8; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 8) list += " and " + std::to_string(names.size() - 8) + " more";
  std::string message = "output: " + std::to_string(names.size()) + " files not delivered to " +
                        base_url_ + " (" + why + "): " + list;
  if (!last_failure_.empty()) message += "; last failure: " + last_failure_;
  if (!first_error_) message += "; " + first_error_.message();
  return make_error(ErrorCode::kIo, message);
}

int64_t HttpUploader::uploaded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return uploaded_;
}

int64_t HttpUploader::failed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

std::string HttpUploader::describe(const Item& item) const {
  return std::string(item.kind == Kind::kDelete ? "DELETE " : "PUT ") + url_of(item.name);
}

std::deque<HttpUploader::Item>::iterator HttpUploader::next_sendable_locked() {
  for (auto it = queue_.begin(); it != queue_.end();) {
    std::string refused_need;
    bool ready = true;
    for (const auto& [name, sequence] : it->needs) {
      if (refused_.count(name)) {
        refused_need = name;
        break;
      }
      auto acked = acknowledged_.find(name);
      if (acked == acknowledged_.end() || acked->second < sequence) ready = false;
    }
    if (!refused_need.empty()) {
      // It may list a file the origin will never have: withheld.
      Item item = std::move(*it);
      it = queue_.erase(it);
      refused_locked(item, describe(item) + ": withheld, it depends on " + refused_need +
                               ", which the origin refused");
      continue;
    }
    if (ready && it->kind == Kind::kManifest) {
      // A newer version that may be sent as well replaces this one.
      const bool newer_ready = std::any_of(std::next(it), queue_.end(), [&](const Item& q) {
        if (q.kind != Kind::kManifest || q.name != it->name) return false;
        for (const auto& [need, sequence] : q.needs) {
          auto acked = acknowledged_.find(need);
          if (acked == acknowledged_.end() || acked->second < sequence) return false;
        }
        return true;
      });
      if (newer_ready) {
        it = queue_.erase(it);
        continue;
      }
    }
    if (ready) return it;
    ++it;
  }
  return queue_.end();
}

void HttpUploader::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    auto next = next_sendable_locked();
    if (next == queue_.end()) {
      // Nothing queued (or, defensively, nothing sendable yet): wait for the packager.
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      continue;
    }
    const Item item = *next;  // a copy: the queue changes while the lock is released
    sending_ = item.sequence;
    lock.unlock();
    Attempt attempt = send(item);
    lock.lock();
    sending_ = 0;
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const Item& q) { return q.sequence == item.sequence; });
    if (stop_) break;
    if (it == queue_.end()) continue;  // not expected: nothing removes the item being sent
    const bool unwanted = item.kind == Kind::kSegment && remove_after_send_.count(item.name);
    if (attempt.ok) {
      queue_.erase(it);
      acknowledged_locked(item);
    } else if (attempt.transient) {
      origin_failed_locked(item, attempt.failure);
      if (unwanted) {
        remove_after_send_.erase(item.name);
        queue_.erase(it);
        forget_segment_locked(item.name);
      } else {
        const int k = std::min(it->attempts++, 20);
        const auto backoff = std::min<std::chrono::milliseconds>(
            policy_.max_backoff, policy_.first_backoff * (1LL << k));
        changed_.wait_for(lock, backoff, [&] { return stop_; });
      }
    } else {
      queue_.erase(it);
      refused_locked(item, describe(item) + ": " + attempt.failure);
    }
    changed_.notify_all();
  }
  worker_done_ = true;
  changed_.notify_all();
}

HttpUploader::Attempt HttpUploader::send(const Item& item) {
  const std::string path = base_path_ + item.name;
  Attempt a;
  std::string segment;
  if (item.kind == Kind::kSegment) {
    std::ifstream in(staged_path(item.name), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    segment = body.str();
    if (!in || segment.empty()) {  // never an empty PUT in its place
      a.failure = "the staged file " + staged_path(item.name) + " cannot be read";
      return a;
    }
  }
  httplib::Result r = item.kind == Kind::kDelete ? client_->http.Delete(path)
                      : item.kind == Kind::kManifest
                          ? client_->http.Put(path, item.body, content_type(item.name))
                          : client_->http.Put(path, segment, content_type(item.name));
  if (!r) {
    a.transient = true;  // no answer: refused, reset, timed out
    a.failure = httplib::to_string(r.error());
    return a;
  }
  // Already gone is what a delete wants.
  a.ok = r->status < 300 || (item.kind == Kind::kDelete && r->status == 404);
  if (!a.ok) {
    a.transient = transient_status(r->status);
    a.failure = "HTTP " + std::to_string(r->status);
  }
  return a;
}

void HttpUploader::acknowledged_locked(const Item& item) {
  if (down_) {
    down_ = false;
    const double seconds = std::chrono::duration<double>(Clock::now() - down_since_).count();
    if (warn_) {
      warn_("output: the origin " + base_url_ + " answers again after " +
            std::to_string(static_cast<int>(seconds)) + " s; " + std::to_string(queue_.size()) +
            " files pending");
    }
  }
  switch (item.kind) {
    case Kind::kSegment:
      ++uploaded_;
      unsent_.erase(item.name);
      on_origin_.insert(item.name);
      acknowledged_[item.name] = item.sequence;
      std::remove(staged_path(item.name).c_str());  // the origin has it now
      if (remove_after_send_.erase(item.name)) queue_delete_locked(item.name);
      break;
    case Kind::kManifest:
      ++uploaded_;
      refused_.erase(item.name);
      acknowledged_[item.name] = item.sequence;
      // Never an older version after a newer one: the origin would go back in time.
      queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                  [&](const Item& q) {
                                    return q.kind == Kind::kManifest && q.name == item.name &&
                                           q.sequence < item.sequence;
                                  }),
                   queue_.end());
      break;
    case Kind::kDelete:
      --pending_deletes_;
      on_origin_.erase(item.name);
      acknowledged_.erase(item.name);
      break;
  }
}

void HttpUploader::origin_failed_locked(const Item& item, const std::string& failure) {
  last_failure_ = describe(item) + ": " + failure;
  const auto now = Clock::now();
  const bool first = !down_;
  if (first) {
    down_ = true;
    down_since_ = now;
  } else if (now - last_warning_ < policy_.warn_every) {
    return;
  }
  last_warning_ = now;
  if (!warn_) return;
  const int down_for = static_cast<int>(std::chrono::duration<double>(now - down_since_).count());
  warn_("output: the origin is not answering (" + last_failure_ + ")" +
        (first ? std::string() : " for " + std::to_string(down_for) + " s") + "; " +
        std::to_string(queue_.size()) + " files pending (" + std::to_string(unsent_.size()) +
        " segments), retrying");
}

void HttpUploader::refused_locked(const Item& item, const std::string& message) {
  ++failed_;
  if (item.kind == Kind::kDelete) {
    --pending_deletes_;
    on_origin_.erase(item.name);  // given up on: no longer tracked
    acknowledged_.erase(item.name);
  } else {
    refused_.insert(item.name);
  }
  if (item.kind == Kind::kSegment) {
    unsent_.erase(item.name);
    if (remove_after_send_.erase(item.name)) {
      refused_.erase(item.name);
      forget_segment_locked(item.name);
    } else {
      refused_segments_.insert(item.name);
    }
  }
  if (first_error_) first_error_ = make_error(ErrorCode::kIo, "output: " + message);
  if (warn_) warn_(message + " (not retried)");
  // drain() waits for the queue to empty: an item withheld here may have been the last one.
  changed_.notify_all();
}

}  // namespace gearbox::packager
