#include "dash_manifest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "audio_manifest.h"

namespace gearbox::packager {
namespace {

std::string frame_rate_attr(Rational r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

// Segments [first, n) as S elements, runs of equal, contiguous durations folded into @r.
void render_timeline(std::ostringstream& out,
                     const std::vector<SegmentRecord>& segs,
                     size_t first,
                     size_t n) {
  out << "          <SegmentTimeline>\n";
  size_t i = first;
  while (i < n) {
    size_t run = i;
    while (run + 1 < n && segs[run + 1].duration == segs[i].duration &&
           segs[run + 1].start == segs[run].start + segs[run].duration) {
      ++run;
    }
    out << "            <S t=\"" << segs[i].start << "\" d=\"" << segs[i].duration << "\"";
    if (run > i) out << " r=\"" << (run - i) << "\"";
    out << "/>\n";
    i = run + 1;
  }
  out << "          </SegmentTimeline>\n";
}

// How far behind the live edge a low-latency player should play: half a segment plus half a
// second of margin (1.5 s with 2 s segments): chunks arrive as they are encoded, so the player
// needs only enough buffer to ride out encoder and network jitter.
double low_latency_target_seconds(const ManifestModel& m) {
  return 0.5 * m.segment_duration.to_double() + 0.5;
}

}  // namespace

void render_segment_template(std::ostringstream& out,
                             const ManifestModel& m,
                             size_t t,
                             const ListedPeriod& p) {
  const TrackDescription& tr = m.tracks[t];
  out << "        <SegmentTemplate timescale=\"" << tr.timescale << "\" initialization=\""
      << init_segment_name("$RepresentationID$") << "\" media=\""
      << media_segment_name("$RepresentationID$", "$Number$") << "\"";
  const std::vector<SegmentRecord>& segs = m.segments[t];
  const size_t first = p.from, n = std::min(p.to, segs.size());
  out << " startNumber=\"" << (n > first ? segs[first].number : 1) << "\"";
  // Dynamic: media time maps to availabilityStartTime + (t - offset), the offset being the
  // B-frame delay; a period after a gap starts at its first segment's media time. Static: the
  // period's first listed segment (after a live window, not the stream's first) starts it.
  const int64_t period_start = m.period_start_ticks(t, p);
  const int64_t offset = m.final && n > first ? segs[first].start
                         : period_start >= 0  ? period_start
                                              : m.presentation_offsets[t];
  if (offset != 0) out << " presentationTimeOffset=\"" << offset << "\"";
  if (!m.final && m.chunk_seconds > 0) {
    out << " availabilityTimeOffset=\""
        << std::max(0.0, m.segment_duration.to_double() - m.chunk_seconds)
        << "\" availabilityTimeComplete=\"false\"";
  }
  out << ">\n";
  render_timeline(out, segs, first, n);
  out << "        </SegmentTemplate>\n";
}

std::string render_mpd(const ManifestModel& m) {
  std::ostringstream out;
  const double grid = m.segment_duration.to_double();
  int max_w = 0, max_h = 0;
  Rational max_fps{0, 1};
  bool same_aspect = true;
  for (const TrackDescription& t : m.tracks) {
    if (t.is_audio()) continue;  // in its own AdaptationSet
    max_w = std::max(max_w, t.width);
    max_h = std::max(max_h, t.height);
    if (max_fps < t.frame_rate) max_fps = t.frame_rate;
    same_aspect = same_aspect && static_cast<int64_t>(t.width) * m.tracks[0].height ==
                                     static_cast<int64_t>(m.tracks[0].width) * t.height;
  }
  const size_t first = m.first_listed();
  double presented = 0;
  if (!m.tracks.empty()) {
    const std::vector<SegmentRecord>& s = m.segments[0];
    size_t n = std::min(m.published, s.size());
    // The listed media, without the gaps between periods (static periods follow each other).
    int64_t ticks = 0;
    for (size_t i = first; i < n; ++i) ticks += s[i].duration;
    presented = static_cast<double>(ticks) / m.tracks[0].timescale;
  }
  const bool live = m.window > 0;
  // maxSegmentDuration: what was measured once complete; while writing, the grid's bound.
  double max_segment =
      m.final ? m.max_published_segment_seconds() : m.max_possible_segment_seconds();

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
         "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"";
  if (m.final) {
    out << " type=\"static\" mediaPresentationDuration=\"" << xs_duration(presented) << "\"";
  } else {
    // Still being written: a dynamic presentation. Segment K is available from
    // availabilityStartTime + its end (minus availabilityTimeOffset with chunks). Without a
    // live window nothing is removed (no timeShiftBufferDepth), so a player can start anywhere.
    const double delay = m.chunk_seconds > 0 ? low_latency_target_seconds(m) : 3 * grid;
    out << " type=\"dynamic\" availabilityStartTime=\"" << iso8601_utc(m.availability_start_ms)
        << "\" publishTime=\"" << iso8601_utc(m.now_ms) << "\" minimumUpdatePeriod=\""
        << xs_duration(grid) << "\" suggestedPresentationDelay=\"" << xs_duration(delay) << "\"";
    if (live)
      out << " timeShiftBufferDepth=\"" << xs_duration(grid * static_cast<double>(m.window))
          << "\"";
  }
  // Rounded up: a maximum printed to the nearest millisecond can be shorter than the segments
  // it bounds (2.0053 s AAC segments under PT2.005S).
  out << " maxSegmentDuration=\"" << xs_duration_at_least(max_segment) << "\" minBufferTime=\""
      << xs_duration_at_least(std::max(grid, max_segment)) << "\">\n";
  if (!m.final && m.chunk_seconds > 0) {
    // DASH-IF low-latency: the latency a player should aim for.
    const int64_t target_ms = std::lround(1000 * low_latency_target_seconds(m));
    out << "  <ServiceDescription id=\"0\">\n    <Latency target=\"" << target_ms << "\" max=\""
        << target_ms * 2 << "\" min=\"" << target_ms / 2 << "\"/>\n  </ServiceDescription>\n";
  }
  // One Period per run of segments between gaps in the timestamps (DASH-IF IOP: a timestamp
  // discontinuity starts a new Period). Static, the periods follow each other without the gaps,
  // as in HLS (players need not jump them); dynamic, each starts at its media time, as its
  // segments become available then.
  const std::vector<ListedPeriod> periods = m.listed_periods();
  double collapsed = 0;
  for (const ListedPeriod& p : periods) {
    double period_start = 0;
    if (m.final) {
      period_start = collapsed;
    } else if (const int64_t ticks = m.period_start_ticks(0, p); ticks >= 0 && !m.tracks.empty()) {
      period_start = static_cast<double>(ticks - m.presentation_offsets[0]) / m.tracks[0].timescale;
    }
    if (!m.tracks.empty()) {
      for (size_t i = p.from; i < p.to && i < m.segments[0].size(); ++i) {
        collapsed += static_cast<double>(m.segments[0][i].duration) / m.tracks[0].timescale;
      }
    }
    const std::string start =
        p.number == 0 && period_start == 0 ? "PT0S" : xs_duration(period_start);
    out << "  <Period id=\"" << p.number << "\" start=\"" << start << "\">\n";
    out << "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" "
           "segmentAlignment=\"true\" startWithSAP=\"1\" maxWidth=\""
        << max_w << "\" maxHeight=\"" << max_h << "\" maxFrameRate=\"" << frame_rate_attr(max_fps)
        << "\"";
    if (same_aspect && !m.tracks.empty()) {
      int64_t g = std::gcd<int64_t>(m.tracks[0].width, m.tracks[0].height);
      out << " par=\"" << m.tracks[0].width / g << ":" << m.tracks[0].height / g << "\"";
    }
    out << ">\n";
    for (size_t t = 0; t < m.tracks.size(); ++t) {
      const TrackDescription& tr = m.tracks[t];
      if (tr.is_audio()) continue;
      out << "      <Representation id=\"" << tr.id << "\" bandwidth=\""
          << m.peak_bitrate_bps(t, m.target_duration_seconds()) << "\" codecs=\""
          << tr.codec.codec_string << "\" width=\"" << tr.width << "\" height=\"" << tr.height
          << "\" frameRate=\"" << frame_rate_attr(tr.frame_rate) << "\" sar=\"1:1\">\n";
      render_segment_template(out, m, t, p);
      out << "      </Representation>\n";
    }
    out << "    </AdaptationSet>\n";
    out << render_dash_audio_adaptation_set(m, p);
    out << "  </Period>\n";
  }
  if (!m.final) {
    out << "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\""
        << iso8601_utc(m.now_ms) << "\"/>\n";
  }
  out << "</MPD>\n";
  return out.str();
}

}  // namespace gearbox::packager
