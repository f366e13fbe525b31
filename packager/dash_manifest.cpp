#include "dash_manifest.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "audio_manifest.h"

namespace gearbox::packager {
namespace {

std::string frame_rate_attr(Rational r) {
  return r.den == 1 ? std::to_string(r.num) : std::to_string(r.num) + "/" + std::to_string(r.den);
}

}  // namespace

void render_timeline(std::ostringstream& out, const std::vector<SegmentRecord>& segs, size_t n) {
  out << "          <SegmentTimeline>\n";
  size_t i = 0;
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
  double presented = 0;
  if (!m.tracks.empty()) {
    const std::vector<SegmentRecord>& s = m.segments[0];
    size_t n = std::min(m.published, s.size());
    if (n > 0) presented = static_cast<double>(s[n - 1].start + s[n - 1].duration - s[0].start) /
                           m.tracks[0].timescale;
  }
  // maxSegmentDuration: what was measured once complete; while writing, the grid's bound.
  double max_segment = m.final ? m.max_published_segment_seconds() : m.max_possible_segment_seconds();

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
         "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\"";
  if (m.final) {
    out << " type=\"static\" mediaPresentationDuration=\"" << xs_duration(presented) << "\"";
  } else {
    // Still being written: a dynamic presentation whose timeline grows; nothing is removed
    // (no timeShiftBufferDepth), so a player can start anywhere.
    out << " type=\"dynamic\" availabilityStartTime=\"" << iso8601_utc(m.availability_start_ms)
        << "\" publishTime=\"" << iso8601_utc(m.now_ms) << "\" minimumUpdatePeriod=\""
        << xs_duration(grid) << "\" suggestedPresentationDelay=\"" << xs_duration(3 * grid) << "\"";
  }
  out << " maxSegmentDuration=\"" << xs_duration(max_segment) << "\" minBufferTime=\""
      << xs_duration(std::max(grid, max_segment)) << "\">\n";
  out << "  <Period id=\"0\" start=\"PT0S\">\n";
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
    out << "        <SegmentTemplate timescale=\"" << tr.timescale << "\" initialization=\""
        << init_segment_name("$RepresentationID$") << "\" media=\""
        << media_segment_name("$RepresentationID$", "$Number$") << "\" startNumber=\"1\"";
    if (m.presentation_offsets[t] != 0) {
      out << " presentationTimeOffset=\"" << m.presentation_offsets[t] << "\"";
    }
    out << ">\n";
    render_timeline(out, m.segments[t], std::min(m.published, m.segments[t].size()));
    out << "        </SegmentTemplate>\n";
    out << "      </Representation>\n";
  }
  out << "    </AdaptationSet>\n";
  out << render_dash_audio_adaptation_set(m);
  out << "  </Period>\n";
  if (!m.final) {
    out << "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\""
        << iso8601_utc(m.now_ms) << "\"/>\n";
  }
  out << "</MPD>\n";
  return out.str();
}

}  // namespace gearbox::packager
