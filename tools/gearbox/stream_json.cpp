#include "stream_json.h"

#include "json_writer.h"

namespace gearbox::cli {
namespace {

// Opens the object and writes the stats; the caller may add fields before ending it.
void write_stats(JsonWriter& j, const char* type, const StreamStats& st, double elapsed) {
  j.begin_object().key("type").string(type).key("elapsed").number(elapsed, 3);
  j.key("frames_pushed")
      .integer(st.frames_pushed)
      .key("frames_rejected")
      .integer(st.frames_rejected);
  j.key("frames_dropped").integer(st.frames_dropped);
  j.key("push_fps").number(elapsed > 0 ? static_cast<double>(st.frames_pushed) / elapsed : 0.0, 2);
  j.key("source_queue").integer(st.source_queue_depth);
  j.key("renditions").begin_array();
  for (const RenditionStats& r : st.renditions) {
    j.begin_object().key("id").string(r.id).key("width").integer(r.width).key("height").integer(
        r.height);
    j.key("frame_rate").number(r.frame_rate, 3).key("frames").integer(r.frames_encoded);
    j.key("fps").number(r.encode_fps, 2).key("target_kbps").integer(r.target_kbps);
    j.key("produced_kbps").integer(r.produced_bps / 1000).key("bytes").integer(r.bytes_written);
    j.key("segments").integer(r.segments_written).key("queue").integer(r.queue_depth);
    j.key("latency_ms").begin_object().key("mean").number(r.latency_ms_mean, 1);
    j.key("p95").number(r.latency_ms_p95, 1).key("max").number(r.latency_ms_max, 1).end_object();
    j.end_object();
  }
  j.end_array();
  if (st.audio.enabled) {
    const AudioStats& a = st.audio;
    j.key("audio").begin_object().key("packets").integer(a.packets).key("bytes").integer(
        a.bytes_written);
    j.key("segments")
        .integer(a.segments_written)
        .key("from_source")
        .number(a.seconds_from_source, 3);
    j.key("silence").number(a.seconds_of_silence, 3).key("dropped").number(a.seconds_dropped, 3);
    j.key("source_ended").boolean(a.source_ended).key("error").string(a.source_error).end_object();
  }
}

}  // namespace

std::string segment_json(const SegmentEvent& e) {
  JsonWriter j;
  j.begin_object().key("type").string("segment").key("rendition").string(e.rendition);
  j.key("number")
      .integer(e.number)
      .key("start")
      .number(e.start, 6)
      .key("duration")
      .number(e.duration, 6);
  j.key("bytes").integer(e.bytes).key("frames").integer(e.frames).end_object();
  return j.str();
}

std::string progress_json(const StreamStats& st, double elapsed) {
  JsonWriter j;
  write_stats(j, "progress", st, elapsed);
  j.end_object();
  return j.str();
}

std::string summary_json(const StreamStats& st,
                         double elapsed,
                         const std::string& backend,
                         const OutputPaths& written) {
  JsonWriter j;
  write_stats(j, "done", st, elapsed);
  j.key("backend").string(backend).key("dash").string(written.dash_manifest);
  j.key("hls").string(written.hls_master).end_object();
  return j.str();
}

}  // namespace gearbox::cli
