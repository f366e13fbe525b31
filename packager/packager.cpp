#include "packager.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "atomic_file.h"
#include "dash_manifest.h"
#include "fmp4_segmenter.h"
#include "hls_playlists.h"
#include "ts_segmenter.h"

namespace gearbox::packager {
namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Packager::Packager(const OutputPaths& paths, const PackagerOptions& options)
    : paths_(paths), options_(options) {
  model_.segment_duration = options.segment_duration;
  model_.window = options.live_window;
  model_.container = options.container;
  model_.availability_start_ms = unix_ms_now();
}

Result<std::unique_ptr<Packager>> Packager::open(const OutputPaths& paths,
                                                 const PackagerOptions& options,
                                                 std::vector<TrackDescription> tracks,
                                                 SegmentListener listener,
                                                 FlushListener flush_listener) {
  std::unique_ptr<Packager> p(new Packager(paths, options));
  p->listener_ = std::move(listener);
  for (TrackDescription& t : tracks) {
    // Rounded up in each timescale (the audio's 48 kHz may not hold it exactly): never less
    // than the video's decode delay.
    t.presentation_delay =
        mul_div_ceil(t.timescale, options.presentation_delay.num, options.presentation_delay.den);
  }
  p->model_.tracks = tracks;
  p->model_.segments.resize(tracks.size());
  p->model_.presentation_offsets.resize(tracks.size());
  if (options.chunk_frames > 0 && !tracks.empty()) {
    // The chunk of the fastest rendition: what availabilityTimeOffset can promise for all.
    const Rational rate = tracks[0].frame_rate;
    p->model_.chunk_seconds = options.chunk_frames * rate.den / static_cast<double>(rate.num);
  }
  if (!paths.upload_url.empty()) {
    auto uploader =
        HttpUploader::start(paths.upload_url, paths.directory, options.warn, options.upload);
    if (!uploader) return uploader.error();
    p->uploader_ = std::move(uploader.value());
  }
  for (size_t i = 0; i < tracks.size(); ++i) {
    Packager* self = p.get();
    Segmenter::FlushCallback on_flush;
    if (flush_listener) {
      on_flush = [flush_listener, i](const std::vector<int64_t>& pts) { flush_listener(i, pts); };
    }
    // The audio's chunks last as long as the video's: as many AAC frames as fit.
    int chunk_frames = options.chunk_frames;
    if (chunk_frames > 0 && tracks[i].is_audio()) {
      const double aac_frame_seconds =
          static_cast<double>(tracks[i].frame_ticks) / tracks[i].timescale;
      chunk_frames =
          std::max(1, static_cast<int>(std::lround(p->model_.chunk_seconds / aac_frame_seconds)));
    }
    auto on_segment = [self, i](const SegmentRecord& record) {
      return self->on_segment(i, record);
    };
    if (options.container == SegmentContainer::kMpegTs) {
      auto segmenter = TsSegmenter::open(tracks[i], paths.directory, on_segment, chunk_frames,
                                         std::move(on_flush));
      if (!segmenter) return segmenter.error();
      p->segmenters_.push_back(std::move(segmenter.value()));
    } else {
      auto segmenter = Fmp4Segmenter::open(tracks[i], paths.directory, on_segment, chunk_frames,
                                           std::move(on_flush));
      if (!segmenter) return segmenter.error();
      p->segmenters_.push_back(std::move(segmenter.value()));
      p->stage_segment(init_segment_name(tracks[i].id));
    }
    p->segmenters_.back()->set_gap_lookup(
        [self, i](int64_t pts) { return self->gap_before(i, pts); });
  }
  return p;
}

Status Packager::write(size_t track, const EncodedPacket& packet) {
  return segmenters_[track]->write(packet);
}

void Packager::mark_gap(int64_t end_before, int64_t resume_at) {
  std::lock_guard<std::mutex> lock(gaps_mutex_);
  gaps_.push_back(Gap{end_before, resume_at});
}

int64_t Packager::to_track_ticks(size_t track, int64_t ticks) const {
  const TrackDescription& t = model_.tracks[track];
  const int64_t from = model_.tracks[0].timescale;
  if (t.timescale == from) return ticks;
  // The nearest frame start: round(ticks / from * to / frame) frames.
  const __int128 halves = static_cast<__int128>(2 * ticks) * t.timescale /
                          (static_cast<__int128>(from) * t.frame_ticks);
  return static_cast<int64_t>((halves + 1) / 2) * t.frame_ticks;
}

std::optional<int64_t> Packager::gap_before(size_t track, int64_t pts) const {
  std::lock_guard<std::mutex> lock(gaps_mutex_);
  // Few entries (at most one per segment) and the newest is almost always the one asked for.
  for (auto g = gaps_.rbegin(); g != gaps_.rend(); ++g) {
    if (to_track_ticks(track, g->resume_at) == pts) return to_track_ticks(track, g->end_before);
  }
  return std::nullopt;
}

Status Packager::on_segment(size_t track, const SegmentRecord& record) {
  Status s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string name =
        media_segment_name(model_.tracks[track].id, record.number, model_.container);
    if (model_.final) {
      // Finished by finish_now() while this track's writer was still running (a thread left
      // behind by a close timeout): the final manifests are out and stay as they are, so the
      // late segment is not part of the output.
      std::remove((paths_.directory + "/" + name).c_str());
      return {};
    }
    stage_segment(name);
    model_.segments[track].push_back(record);
    model_.presentation_offsets[track] = segmenters_[track]->presentation_offset();
    size_t ready = model_.segments[0].size();
    for (const auto& segs : model_.segments) ready = std::min(ready, segs.size());
    if (ready > model_.published) {
      published_total_ += static_cast<int64_t>(ready - model_.published);
      model_.published = ready;
      s = publish_locked();
      if (s) retire_locked();
    }
  }
  if (listener_) listener_(track, record);
  return s;
}

Status Packager::finish(int64_t end, std::chrono::steady_clock::time_point upload_deadline) {
  Status first_error;
  // After a track's write failed (a full disk, an I/O error), no later segment can be complete
  // in every track: the others' last segments are dropped rather than written, so their space
  // (and the failed track's, already released) is there for the final manifests.
  auto any_failed = [&] {
    return std::any_of(segmenters_.begin(), segmenters_.end(),
                       [](const auto& s) { return s->failed(); });
  };
  for (size_t t = 0; t < segmenters_.size(); ++t) {
    if (any_failed()) {
      for (size_t u = t; u < segmenters_.size(); ++u) segmenters_[u]->abandon();
      break;
    }
    // `end` counts ticks of the first (video) track; the audio track counts samples.
    const int64_t from = model_.tracks[0].timescale, to = model_.tracks[t].timescale;
    const int64_t track_end =
        static_cast<int64_t>((static_cast<__int128>(end) * to * 2 + from) / (2 * from));
    Status s = segmenters_[t]->finish(track_end);
    if (!s && first_error) first_error = s;
  }
  Status s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    s = finish_locked();
  }
  // URL output: close() returns once the server has everything, refused something, or the
  // deadline passed; the staging folder goes either way.
  if (uploader_) {
    Status sent = uploader_->drain(upload_deadline);
    (void)uploader_->stop();  // `sent` already names what is undelivered
    if (s) s = sent;
  }
  return first_error ? s : first_error;
}

Packager::~Packager() = default;  // the uploader removes the staging folder

Status Packager::finish_now() {
  // A writer blocked while holding the lock (a hung disk) must not hang the caller too.
  // try_lock() polled rather than timed_mutex::try_lock_for: ThreadSanitizer does not see a
  // lock taken by pthread_mutex_clocklock and then reports races that are not there.
  std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (!lock.try_lock()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorCode::kTimeout,
                        "the manifests could not be finalised: a manifest write is blocked");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (model_.final) return {};
  return finish_locked();
}

Status Packager::stop_upload() {
  if (!uploader_) return {};
  return uploader_->stop();
}

Status Packager::finish_locked() {
  size_t ready = model_.segments.empty() ? 0 : model_.segments[0].size();
  for (const auto& s : model_.segments) ready = std::min(ready, s.size());
  published_total_ += static_cast<int64_t>(ready) - static_cast<int64_t>(model_.published);
  model_.published = ready;
  model_.final = true;
  // Segments some tracks completed past the last one complete in all (a stream that ended on
  // an error or a timeout) will never be listed: deleted first, so the folder holds what the
  // manifests list, and a full disk gets their space back for the manifests.
  for (size_t t = 0; t < model_.segments.size(); ++t) {
    for (size_t i = ready; i < model_.segments[t].size(); ++i) {
      const std::string name =
          media_segment_name(model_.tracks[t].id, model_.segments[t][i].number, model_.container);
      std::remove((paths_.directory + "/" + name).c_str());
      if (uploader_) uploader_->remove(name);
    }
  }
  Status s = publish_locked();
  if (s) retire_locked();
  return s;
}

void Packager::retire_locked() {
  if (options_.live_window == 0) return;
  // Records no manifest lists; a few are kept because Apple's peak-rate runs look ahead.
  while (model_.first_listed() > 3) model_.drop_oldest();
  // Once final nobody will read a newer manifest, so every unlisted segment goes; before that,
  // a segment waits `delete_delay` more segments after leaving the list.
  const int64_t unlisted = published_total_ - static_cast<int64_t>(options_.live_window);
  const int64_t deletable =
      model_.final ? unlisted : unlisted - static_cast<int64_t>(options_.delete_delay);
  for (; deleted_through_ < deletable; ++deleted_through_) {
    for (const TrackDescription& t : model_.tracks) {
      const std::string name = media_segment_name(t.id, deleted_through_ + 1, model_.container);
      if (uploader_) {
        uploader_->remove(name);  // it deletes the staged file once it is safe to
      } else {
        std::remove((paths_.directory + "/" + name).c_str());  // a file already gone is no loss
      }
    }
  }
}

std::vector<int64_t> Packager::segments_written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int64_t> counts;
  for (size_t t = 0; t < model_.segments.size(); ++t) {
    const int64_t dropped = t < model_.history.size() ? model_.history[t].count : 0;
    counts.push_back(dropped + static_cast<int64_t>(model_.segments[t].size()));
  }
  return counts;
}

Status Packager::publish_locked() {
  model_.now_ms = unix_ms_now();
  // Media playlists before the master and the MPD: whatever a player reads first must only
  // point at files that are already complete.
  if (!paths_.hls_master.empty()) {
    for (size_t t = 0; t < model_.tracks.size(); ++t) {
      GEARBOX_RETURN_IF_ERROR(
          write_file_atomically(paths_.directory + "/" + media_playlist_name(model_.tracks[t].id),
                                render_hls_media_playlist(model_, t)));
      stage_manifest(media_playlist_name(model_.tracks[t].id));
    }
    GEARBOX_RETURN_IF_ERROR(
        write_file_atomically(paths_.hls_master, render_hls_master_playlist(model_)));
    std::vector<std::string> media_playlists;
    for (const TrackDescription& t : model_.tracks)
      media_playlists.push_back(media_playlist_name(t.id));
    stage_manifest(std::filesystem::path(paths_.hls_master).filename().string(), media_playlists);
  }
  if (!paths_.dash_manifest.empty()) {
    GEARBOX_RETURN_IF_ERROR(write_file_atomically(paths_.dash_manifest, render_mpd(model_)));
    stage_manifest(std::filesystem::path(paths_.dash_manifest).filename().string());
  }
  return {};
}

}  // namespace gearbox::packager
