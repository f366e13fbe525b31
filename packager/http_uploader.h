// StreamGear's URL output: every file the packager completes in its local staging folder is
// sent to BASE_URL + name with HTTP PUT, and a live window's old segments are removed from the
// origin with HTTP DELETE. Runs on a thread of its own: a slow, failing or absent origin
// delays uploads, never the encoders.
//
// What the origin sees is always a stream a player can trust. Every staged file is in one of
// three states: staged (queued), sending, acknowledged (the origin answered 2xx).
// - A segment's staged file is deleted only once the origin acknowledged it (or once it left
//   the live window unsent: it is then never sent, and no manifest still to be sent lists it).
// - A manifest is captured when it is queued (the packager replaces the file) with the set of
//   segments queued before it (and the files named in `lists`); it is sent only once all of
//   those were acknowledged. Of the versions of a manifest waiting, the oldest and the
//   newest are kept (an origin that is always behind still gets one now and then); a newer
//   version that may be sent replaces an older one, which is never sent after it.
// - A DELETE is sent only for a segment the origin has, and only once the manifests queued
//   before it (the ones that stopped listing it) were acknowledged.
// - Transient failures (no connection, a reset, a timeout, 5xx, 408, 429) are retried with
//   exponential backoff, for as long as the stream runs; other answers are refused for good.
// - While the origin is down, a live stream's staging stays bounded by its window (segments
//   that leave it unsent are dropped) and a warning says so and how many files are pending.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gearbox/error.h"

namespace gearbox::packager {

struct UploadPolicy {
  std::chrono::milliseconds connect_timeout{2000};  // per attempt
  std::chrono::milliseconds io_timeout{
      5000};  // per attempt: a stalled origin is given up on after this
  std::chrono::milliseconds first_backoff{100};  // doubled after every failed attempt of a file...
  std::chrono::milliseconds max_backoff{3000};   // ...up to this
  std::chrono::milliseconds warn_every{10000};   // while the origin is down
  size_t max_pending_deletes = 1000;  // more are forgotten (the oldest first): memory stays bounded
};

class HttpUploader {
 public:
  using Log = std::function<void(const std::string&)>;
  using Clock = std::chrono::steady_clock;
  // base_url: "http://host:port/path/" (ends with '/'); staging: the local folder files are in,
  // owned by the uploader from now on: stop() (and the destructor) removes it.
  static Result<std::unique_ptr<HttpUploader>> start(const std::string& base_url,
                                                     std::string staging,
                                                     Log warn,
                                                     UploadPolicy policy = {});
  ~HttpUploader();  // stop()

  // staging/name is complete and will not change (a media or init segment).
  void put_segment(const std::string& name);
  // staging/name is a manifest as it is now (read at once: the packager replaces it later).
  // `lists`: other manifests it names (an HLS master's media playlists), sent before it.
  void put_manifest(const std::string& name, const std::vector<std::string>& lists = {});
  // The segment left the live window: DELETE it from the origin if it is there, else forget it.
  // Called only once the newest manifests queued no longer list it (the packager's retire
  // follows its publish), so older queued versions that may list it are dropped.
  void remove(const std::string& name);
  // Waits until everything queued was delivered, or until `deadline`. An error names what was
  // not delivered (the first files, manifests first) or the first file the origin refused.
  Status drain(Clock::time_point deadline);
  // Stops at once (an attempt in progress is cut off), forgets what is pending and removes the
  // staging folder. Later calls do nothing. An error names what was never delivered.
  Status stop();

  int64_t uploaded() const;
  int64_t failed() const;

 private:
  HttpUploader() = default;
  enum class Kind { kSegment, kManifest, kDelete };
  struct Item {
    Kind kind = Kind::kSegment;
    std::string name;
    std::string body;       // manifests: the content when queued
    uint64_t sequence = 0;  // order of queueing
    // Files to be acknowledged first, each at least in the version queued as that sequence
    // number (a manifest is replaced by newer versions; a segment has one).
    std::map<std::string, uint64_t> needs;
    int attempts = 0;
  };
  struct Attempt {
    bool ok = false;
    bool transient = false;
    std::string failure;
  };
  struct Client;

  void run();
  // The first queued item that may be sent now (its needs acknowledged); queue_.end() if none.
  // Items whose needs were refused are dropped on the way.
  std::deque<Item>::iterator next_sendable_locked();
  Attempt send(const Item& item);
  void acknowledged_locked(const Item& item);
  void forget_segment_locked(const std::string& name);  // unsent and no longer wanted
  void queue_delete_locked(const std::string& name);
  void origin_failed_locked(const Item& item, const std::string& failure);
  void refused_locked(const Item& item, const std::string& message);
  Status undelivered_locked(const std::string& why) const;
  std::string describe(const Item& item) const;  // "PUT http://.../name"
  std::string staged_path(const std::string& name) const { return staging_ + "/" + name; }
  std::string url_of(const std::string& name) const { return base_url_ + name; }

  std::unique_ptr<Client> client_;
  std::string base_path_;  // the URL's path, ending with '/'
  std::string base_url_;
  std::string staging_;
  Log warn_;
  UploadPolicy policy_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> queue_;  // in the order queued (sequence)
  uint64_t next_sequence_ = 1;
  uint64_t sending_ = 0;  // the sequence of the item being sent (0: none); nothing else removes it
  std::set<std::string> unsent_;     // segments queued, not yet acknowledged
  std::set<std::string> on_origin_;  // segments acknowledged and not deleted
  std::map<std::string, uint64_t>
      acknowledged_;  // name -> sequence of its newest version acknowledged
  std::set<std::string>
      refused_;  // files the origin refused for good (manifests: the newest version)
  // Segments refused for good and still in the window: a manifest queued after the refusal
  // may list them too (the packager queues a segment's manifest after the segment, not after
  // its answer), so it waits on them as on the ones still queued, and is withheld.
  std::set<std::string> refused_segments_;
  std::set<std::string> remove_after_send_;  // left the window while being sent
  size_t pending_deletes_ = 0;
  int64_t deletes_forgotten_ = 0;
  Clock::time_point down_since_{};  // the origin's first failure of the current outage
  Clock::time_point last_warning_{};
  bool down_ = false;
  bool stop_ = false;
  bool stopped_ = false;  // stop() has finished
  bool worker_done_ = false;
  int64_t uploaded_ = 0;
  int64_t failed_ = 0;
  Status first_error_;
  std::string last_failure_;
  std::thread thread_;
};

}  // namespace gearbox::packager
