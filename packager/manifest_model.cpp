#include "manifest_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace gearbox::packager {

double ManifestModel::max_possible_segment_seconds() const {
  // A video segment lasts less than the grid plus one frame (its IDR is the first frame at or
  // after its grid line). An audio segment starts and ends within half an AAC frame of the
  // video's boundaries, so it may last one AAC frame longer than the video segment.
  double longest_video_frame = 0, longest_audio_frame = 0;
  for (const TrackDescription& t : tracks) {
    double& longest = t.is_audio() ? longest_audio_frame : longest_video_frame;
    longest = std::max(longest, static_cast<double>(t.frame_ticks) / t.timescale);
  }
  return segment_duration.to_double() + longest_video_frame + longest_audio_frame;
}

double ManifestModel::max_published_segment_seconds() const {
  double longest = 0;
  for (size_t t = 0; t < tracks.size(); ++t) {
    int64_t ticks = t < history.size() ? history[t].longest : 0;
    for (size_t i = 0; i < published && i < segments[t].size(); ++i) {
      ticks = std::max(ticks, segments[t][i].duration);
    }
    longest = std::max(longest, static_cast<double>(ticks) / tracks[t].timescale);
  }
  return longest;
}

int ManifestModel::target_duration_seconds() const {
  // EXTINF rounded to the nearest integer must not exceed the target duration (RFC 8216
  // 4.3.3.1); every segment is shorter than max_possible_segment_seconds().
  return std::max(1, static_cast<int>(std::lround(max_possible_segment_seconds())));
}

int64_t ManifestModel::peak_of_runs_from(size_t track, size_t first, int target_duration_s) const {
  const std::vector<SegmentRecord>& segs = segments[track];
  const int64_t ts = tracks[track].timescale;
  const size_t n = std::min(published, segs.size());
  const double lo = 0.5 * target_duration_s, hi = 1.5 * target_duration_s;
  int64_t peak = 0;
  double secs = 0;
  int64_t bytes = 0;
  for (size_t j = first; j < n; ++j) {
    secs += static_cast<double>(segs[j].duration) / ts;
    bytes += segs[j].bytes;
    if (secs > hi) break;
    if (secs >= lo) peak = std::max(peak, static_cast<int64_t>(std::llround(bytes * 8 / secs)));
  }
  return peak;
}

int64_t ManifestModel::peak_bitrate_bps(size_t track, int target_duration_s) const {
  const size_t n = std::min(published, segments[track].size());
  const bool has_history = track < history.size() && history[track].ticks > 0;
  int64_t peak = has_history ? history[track].peak_bps : 0;
  for (size_t i = 0; i < n; ++i)
    peak = std::max(peak, peak_of_runs_from(track, i, target_duration_s));
  // A presentation shorter than half a target duration has only one run: all of it.
  if (peak == 0 && (n > 0 || has_history)) peak = average_bitrate_bps(track);
  if (!final) peak = std::max(peak, tracks[track].max_bitrate_bps);
  return peak;
}

int64_t ManifestModel::average_bitrate_bps(size_t track) const {
  const std::vector<SegmentRecord>& segs = segments[track];
  int64_t bytes = 0, ticks = 0;
  if (track < history.size()) {
    bytes = history[track].bytes;
    ticks = history[track].ticks;
  }
  for (size_t i = 0; i < published && i < segs.size(); ++i) {
    bytes += segs[i].bytes;
    ticks += segs[i].duration;
  }
  if (ticks == 0) return tracks[track].target_bitrate_bps;
  return bytes * 8 * tracks[track].timescale / ticks;
}

int64_t ManifestModel::discontinuity_sequence(size_t track) const {
  int64_t n = track < history.size() ? history[track].discontinuities : 0;
  const size_t first = std::min(first_listed(), segments[track].size());
  for (size_t i = 0; i < first; ++i) n += segments[track][i].discontinuity ? 1 : 0;
  return n;
}

std::vector<ListedPeriod> ManifestModel::listed_periods() const {
  std::vector<ListedPeriod> periods;
  if (tracks.empty()) return periods;
  const std::vector<SegmentRecord>& segs = segments[0];
  const size_t n = std::min(published, segs.size());
  const size_t first = std::min(first_listed(), n);
  ListedPeriod p;
  p.from = first;
  // The period the first listed segment belongs to began at the newest discontinuity up to it.
  for (size_t i = first + 1; i-- > 0;) {
    if (i < segs.size() && segs[i].discontinuity) {
      p.number = segs[i].number;
      break;
    }
    if (i == 0 && !history.empty()) p.number = history[0].last_discontinuity_number;
  }
  for (size_t i = first; i < n; ++i) {
    if (i > first && segs[i].discontinuity) {
      p.to = i;
      periods.push_back(p);
      p.from = i;
      p.number = segs[i].number;
    }
  }
  p.to = n;
  periods.push_back(p);
  return periods;
}

int64_t ManifestModel::period_start_ticks(size_t track, const ListedPeriod& p) const {
  if (p.number == 0) return -1;
  for (const SegmentRecord& r : segments[track]) {
    if (r.number == p.number) return r.start;
  }
  return track < history.size() ? history[track].last_discontinuity_start : -1;
}

void ManifestModel::drop_oldest() {
  history.resize(tracks.size());
  const int target = target_duration_seconds();
  for (size_t t = 0; t < tracks.size(); ++t) {
    if (segments[t].empty()) continue;
    TrackHistory& h = history[t];
    const SegmentRecord& oldest = segments[t].front();
    h.peak_bps = std::max(h.peak_bps, peak_of_runs_from(t, 0, target));
    h.bytes += oldest.bytes;
    h.ticks += oldest.duration;
    h.longest = std::max(h.longest, oldest.duration);
    ++h.count;
    if (oldest.discontinuity) {
      ++h.discontinuities;
      h.last_discontinuity_start = oldest.start;
      h.last_discontinuity_number = oldest.number;
    }
    segments[t].erase(segments[t].begin());
  }
  if (published > 0) --published;
}

std::string iso8601_utc(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

std::string xs_duration(double seconds) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "PT%.3fS", seconds);
  return buf;
}

std::string xs_duration_at_least(double seconds) {
  // The values are tick counts over a timescale, never closer than a microsecond to a whole
  // millisecond unless they are one: the slack absorbs only the floating-point error of an
  // exact value (2.0 s must stay PT2.000S, not become PT2.001S).
  const auto ms = static_cast<long long>(std::ceil(seconds * 1000 - 1e-6));
  char buf[48];
  std::snprintf(buf, sizeof buf, "PT%lld.%03lldS", ms / 1000, ms % 1000);
  return buf;
}

}  // namespace gearbox::packager
