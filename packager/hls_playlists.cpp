#include "hls_playlists.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "audio_manifest.h"

namespace gearbox::packager {
namespace {

// RFC 8216 section 7: MPEG-TS playlists use nothing past version 3 (decimal EXTINF), so the
// oldest players take them; fMP4 playlists need EXT-X-MAP (version 6) and say 7, RFC 8216's own.
int protocol_version(const ManifestModel& m) {
  return m.container == SegmentContainer::kCmaf ? 7 : 3;
}

}  // namespace

std::string media_playlist_name(const std::string& track_id) {
  return track_id + ".m3u8";
}

std::string render_hls_media_playlist(const ManifestModel& m, size_t track) {
  const TrackDescription& tr = m.tracks[track];
  const std::vector<SegmentRecord>& segs = m.segments[track];
  const size_t n = std::min(m.published, segs.size());
  const size_t first = m.first_listed();
  std::ostringstream out;
  out << "#EXTM3U\n";
  out << "#EXT-X-VERSION:" << protocol_version(m) << "\n";
  out << "#EXT-X-TARGETDURATION:" << m.target_duration_seconds() << "\n";
  out << "#EXT-X-MEDIA-SEQUENCE:" << (n > first ? segs[first].number : 1) << "\n";
  // A live window slides, so it is neither EVENT (append only) nor VOD (never changes); once
  // the live stream ends the window stays as it is and gets EXT-X-ENDLIST.
  if (m.window == 0) out << "#EXT-X-PLAYLIST-TYPE:" << (m.final ? "VOD" : "EVENT") << "\n";
  if (const int64_t d = m.discontinuity_sequence(track); d > 0)
    out << "#EXT-X-DISCONTINUITY-SEQUENCE:" << d << "\n";
  out << "#EXT-X-INDEPENDENT-SEGMENTS\n";
  if (m.container == SegmentContainer::kCmaf)
    out << "#EXT-X-MAP:URI=\"" << init_segment_name(tr.id) << "\"\n";
  char extinf[64];
  for (size_t i = first; i < n; ++i) {
    // After a gap in the timestamps the media resumes later than the playlist's running time:
    // RFC 8216 4.3.2.3 asks for a discontinuity there (players re-align their clocks to it).
    if (segs[i].discontinuity) out << "#EXT-X-DISCONTINUITY\n";
    std::snprintf(extinf, sizeof extinf, "#EXTINF:%.6f,\n",
                  static_cast<double>(segs[i].duration) / tr.timescale);
    out << extinf << media_segment_name(tr.id, segs[i].number, m.container) << "\n";
  }
  if (m.final) out << "#EXT-X-ENDLIST\n";
  return out.str();
}

std::string render_hls_master_playlist(const ManifestModel& m) {
  std::ostringstream out;
  out << "#EXTM3U\n";
  out << "#EXT-X-VERSION:" << protocol_version(m) << "\n";
  out << "#EXT-X-INDEPENDENT-SEGMENTS\n";
  const int target = m.target_duration_seconds();
  const HlsAudioGroup audio = hls_audio_group(m);
  out << audio.media_line;
  for (size_t t = 0; t < m.tracks.size(); ++t) {
    const TrackDescription& tr = m.tracks[t];
    if (tr.is_audio()) continue;  // in the audio group
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.3f", tr.frame_rate.to_double());
    out << "#EXT-X-STREAM-INF:BANDWIDTH=" << m.peak_bitrate_bps(t, target) + audio.peak_bps
        << ",AVERAGE-BANDWIDTH=" << m.average_bitrate_bps(t) + audio.average_bps << ",CODECS=\""
        << tr.codec.codec_string << audio.codecs << "\",RESOLUTION=" << tr.width << "x" << tr.height
        << ",FRAME-RATE=" << rate << audio.attributes << ",CLOSED-CAPTIONS=NONE\n";
    out << media_playlist_name(tr.id) << "\n";
  }
  return out.str();
}

}  // namespace gearbox::packager
