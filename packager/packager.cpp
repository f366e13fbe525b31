#include "packager.h"

#include <algorithm>
#include <chrono>

#include "atomic_file.h"
#include "dash_manifest.h"
#include "hls_playlists.h"

namespace gearbox::packager {
namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Packager::Packager(const OutputPaths& paths, Rational segment_duration) : paths_(paths) {
  model_.segment_duration = segment_duration;
  model_.availability_start_ms = unix_ms_now();
}

Result<std::unique_ptr<Packager>> Packager::open(const OutputPaths& paths,
                                                 Rational segment_duration,
                                                 std::vector<TrackDescription> tracks,
                                                 SegmentListener listener) {
  std::unique_ptr<Packager> p(new Packager(paths, segment_duration));
  p->listener_ = std::move(listener);
  p->model_.tracks = tracks;
  p->model_.segments.resize(tracks.size());
  p->model_.presentation_offsets.resize(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) {
    Packager* self = p.get();
    auto segmenter = Fmp4Segmenter::open(
        tracks[i], paths.directory,
        [self, i](const SegmentRecord& record) { return self->on_segment(i, record); });
    if (!segmenter) return segmenter.error();
    p->segmenters_.push_back(std::move(segmenter.value()));
  }
  return p;
}

Status Packager::write(size_t track, const EncodedPacket& packet) {
  return segmenters_[track]->write(packet);
}

Status Packager::on_segment(size_t track, const SegmentRecord& record) {
  Status s;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    model_.segments[track].push_back(record);
    model_.presentation_offsets[track] = segmenters_[track]->presentation_offset();
    size_t ready = model_.segments[0].size();
    for (const auto& segs : model_.segments) ready = std::min(ready, segs.size());
    if (ready > model_.published) {
      model_.published = ready;
      s = publish_locked();
    }
  }
  if (listener_) listener_(track, record);
  return s;
}

Status Packager::finish(int64_t end) {
  Status first_error;
  for (size_t t = 0; t < segmenters_.size(); ++t) {
    // `end` counts ticks of the first (video) track; the audio track counts samples.
    const int64_t from = model_.tracks[0].timescale, to = model_.tracks[t].timescale;
    const int64_t track_end = static_cast<int64_t>((static_cast<__int128>(end) * to * 2 + from) / (2 * from));
    Status s = segmenters_[t]->finish(track_end);
    if (!s && first_error) first_error = s;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  size_t ready = model_.segments.empty() ? 0 : model_.segments[0].size();
  for (const auto& s : model_.segments) ready = std::min(ready, s.size());
  model_.published = ready;
  model_.final = true;
  Status s = publish_locked();
  return first_error ? s : first_error;
}

std::vector<int64_t> Packager::segments_written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int64_t> counts;
  for (const auto& s : model_.segments) counts.push_back(static_cast<int64_t>(s.size()));
  return counts;
}

Status Packager::publish_locked() {
  model_.now_ms = unix_ms_now();
  // Media playlists before the master and the MPD: whatever a player reads first must only
  // point at files that are already complete.
  if (!paths_.hls_master.empty()) {
    for (size_t t = 0; t < model_.tracks.size(); ++t) {
      GEARBOX_RETURN_IF_ERROR(write_file_atomically(
          paths_.directory + "/" + media_playlist_name(model_.tracks[t].id),
          render_hls_media_playlist(model_, t)));
    }
    GEARBOX_RETURN_IF_ERROR(
        write_file_atomically(paths_.hls_master, render_hls_master_playlist(model_)));
  }
  if (!paths_.dash_manifest.empty()) {
    GEARBOX_RETURN_IF_ERROR(write_file_atomically(paths_.dash_manifest, render_mpd(model_)));
  }
  return {};
}

}  // namespace gearbox::packager
