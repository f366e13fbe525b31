#include "audio_manifest.h"

#include <algorithm>
#include <sstream>

#include "dash_manifest.h"
#include "hls_playlists.h"

namespace gearbox::packager {
namespace {

constexpr const char* kHlsAudioGroupId = "aac";

}  // namespace

std::optional<size_t> audio_track_index(const ManifestModel& m) {
  for (size_t t = 0; t < m.tracks.size(); ++t) {
    if (m.tracks[t].is_audio()) return t;
  }
  return std::nullopt;
}

std::string render_dash_audio_adaptation_set(const ManifestModel& m, const ListedPeriod& p) {
  const std::optional<size_t> a = audio_track_index(m);
  if (!a) return "";
  const TrackDescription& tr = m.tracks[*a];
  std::ostringstream out;
  out << "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" "
         "segmentAlignment=\"true\" startWithSAP=\"1\">\n";
  out << "      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" value=\"main\"/>\n";
  out << "      <Representation id=\"" << tr.id << "\" bandwidth=\""
      << m.peak_bitrate_bps(*a, m.target_duration_seconds()) << "\" codecs=\""
      << tr.codec.codec_string << "\" audioSamplingRate=\"" << tr.sample_rate << "\">\n";
  out << "        <AudioChannelConfiguration "
         "schemeIdUri=\"urn:mpeg:mpegB:cicp:ChannelConfiguration\" value=\""
      << tr.channels << "\"/>\n";
  render_segment_template(out, m, *a, p);
  out << "      </Representation>\n";
  out << "    </AdaptationSet>\n";
  return out.str();
}

HlsAudioGroup hls_audio_group(const ManifestModel& m) {
  HlsAudioGroup g;
  const std::optional<size_t> a = audio_track_index(m);
  if (!a) return g;
  const TrackDescription& tr = m.tracks[*a];
  g.media_line = std::string("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"") + kHlsAudioGroupId +
                 "\",NAME=\"Audio\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"" +
                 std::to_string(tr.channels) + "\",URI=\"" + media_playlist_name(tr.id) + "\"\n";
  g.attributes = std::string(",AUDIO=\"") + kHlsAudioGroupId + "\"";
  g.codecs = "," + tr.codec.codec_string;
  // The sum of the two peaks bounds the peak of their sum (Apple: BANDWIDTH includes audio).
  g.peak_bps = m.peak_bitrate_bps(*a, m.target_duration_seconds());
  g.average_bps = m.average_bitrate_bps(*a);
  return g;
}

}  // namespace gearbox::packager
