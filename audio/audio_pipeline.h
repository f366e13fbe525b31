// The audio track on its own thread: source -> placement on the stream's clock -> AAC -> the
// packager, cut into segments numbered like the video's.
//
// One clock: media time 0 is the first video frame; frames are at their pts (frame index / input
// rate, or the caller's timestamps).
//  - A file, URL or lavfi source is placed by its own timestamps from its first sample, so its
//    sample at t seconds is presented with the video frame at t. It is read as the video is
//    pushed, at most one segment ahead, and never makes push() wait.
//  - A wall-clock source (a capture device by default) is placed through the times frames are
//    pushed: its sample recorded at wall time T is presented with the frame pushed at T. The
//    wall - media offset is the smallest over the last half second of pushes (a late push does not
//    move it; frames pushed slower or faster than the input rate move it), and the audio
//    follows it by resampling (at most kMaxStretch), jumping only beyond kHardCorrectionSeconds.
//    When frames stop coming, what such a source records more than kMaxAheadSeconds past the
//    video is dropped.
//  Gaps in a source's timestamps are filled with silence and overlaps dropped, so a sample is
//  never more than kToleranceSeconds away from its place.
// Threads: the source is read, placed and encoded on one thread, and what is encoded goes to the
// packager from another, as the video passes it. A source can block inside a read for good (a
// wedged capture driver, a silent FIFO: no interrupt reaches a blocked read(2)); the packets
// encoded before it still complete their segments, because sending never waits on a read.
// Segments: audio segment K starts with the AAC frame nearest to the start of video segment K
// (the pts of its IDR; within half an AAC frame, 10.7 ms at 48 kHz). A packet is handed to the
// packager only once a later video frame has been pushed, so the audio never runs past the
// video and every segment start it could be nearest to is known; at finish() the track is
// completed to the video's end (silence after a source that ended or failed), and the
// packager cuts its last AAC frame short there.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "aac_encoder.h"
#include "audio_source.h"
#include "clock_offset.h"
#include "gearbox/config.h"
#include "gearbox/rational.h"
#include "gearbox/stream_stats.h"

namespace gearbox {

class AudioPipeline {
 public:
  using PacketFn = std::function<Status(const EncodedPacket&)>;  // pts in samples
  using LogFn = std::function<void(LogLevel, const std::string&)>;

  static constexpr double kToleranceSeconds = 0.002;
  static constexpr double kHardCorrectionSeconds = 0.2;
  static constexpr double kMaxStretch = 0.05;
  // A wall-clock source this far ahead of the video (frames stopped coming) is dropped, so the
  // audio held for the video stays bounded.
  static constexpr double kMaxAheadSeconds = 2.0;

  // Opens the source and the encoder; errors name the field (audio.source, ...). The video's
  // timestamps count `video_timescale` ticks a second.
  static Result<std::unique_ptr<AudioPipeline>> open(const AudioOptions& options,
                                                     int64_t video_timescale,
                                                     Rational segment_duration,
                                                     LogFn log);
  ~AudioPipeline();  // stops the thread without completing the track (as abort())

  const CodecConfig& codec_config() const { return encoder_->codec_config(); }
  int frame_size() const { return encoder_->frame_size(); }

  // Media time 0 is now (the first push()). `out` is called on the sending thread, one packet at
  // a time.
  void start(PacketFn out);
  // A video frame at `pts` (ticks) was pushed; `starts_segment`: it is an IDR on the grid.
  void video_advanced(int64_t pts, bool starts_segment);
  // A gap in the video's timestamps, announced before the frame at `resume_at` (ticks): the
  // video's media before it ends at `end_before`. The audio follows: its segment before the gap
  // ends at the AAC frame nearest `end_before`, the next starts at the one nearest `resume_at`,
  // and the audio between (what a file source has there, silence or what a device recorded)
  // is not sent.
  void video_gap(int64_t end_before, int64_t resume_at);
  // The video ends at `end` (ticks): completes the track to that instant and stops the thread.
  // The error is the first the packager returned, if any.
  Status finish(int64_t end);
  // From any thread: the threads stop taking work (a blocked read gives up); nothing more is
  // packaged. Does not wait.
  void abort();
  AudioStats stats() const;

 private:
  AudioPipeline(const AudioOptions& options,
                int64_t video_timescale,
                Rational segment_duration,
                LogFn log);
  struct Held {
    int64_t pts;  // samples
    std::vector<uint8_t> data;
    bool starts_segment = false;
  };
  void run();        // the reading thread: source -> placement -> encoder -> held_
  void send_loop();  // the sending thread: held_ -> the packager, as the video passes it
  // Reads (or fills silence) until `want` samples.
  Status produce(int64_t want, bool final);
  Status place(const AudioChunk& chunk);  // writes a chunk at its place on the clock
  // Under mutex_: takes out of held_ the packets before the video (the last frame pushed; its
  // end once final), those that start a segment marked, those inside a gap dropped.
  std::vector<Held> take_ready(bool final);
  Status keep(const EncodedPacket& packet);  // an encoder packet, held until the video covers it
  void source_stopped(const std::string& why, bool failed);
  void count_written(int64_t silence, int64_t from_source, int64_t dropped);  // samples, for stats
  void trim_stats_to(int64_t end);          // the stats of a track cut at `end` samples
  int64_t samples_of(int64_t ticks) const;  // video ticks -> samples (floor)
  int64_t cut_of(int64_t ticks) const;      // the AAC frame nearest a segment start
  int64_t wall_minus_media();               // wall-clock sources: the wall time of media time 0 now
  bool video_stalled(int64_t at);  // the track is kMaxAheadSeconds past the video (logs once)
  double seconds(int64_t samples) const { return static_cast<double>(samples) / rate_; }

  AudioOptions options_;
  int64_t video_timescale_;
  Rational segment_duration_;
  LogFn log_;
  int rate_;
  std::unique_ptr<AudioSource> source_;
  std::unique_ptr<AacEncoder> encoder_;
  PacketFn out_;
  std::thread thread_;  // reads and encodes
  std::thread sender_;  // sends

  std::mutex mutex_;                    // guards the fields down to stats_
  std::condition_variable wake_;        // the reading thread's
  std::condition_variable send_wake_;   // the sending thread's
  int64_t video_pts_ = -1;              // the last frame pushed (ticks)
  int64_t final_end_ = -1;              // the video's end (ticks), set by finish()
  std::deque<int64_t> segment_starts_;  // ticks of IDRs pushed, for the sending thread
  struct SampleRange {
    int64_t from, to;  // [from, to) samples
  };
  std::vector<SampleRange> gaps_;  // what video_gap() announced, for the sending thread
  bool stop_ = false;
  Status error_;              // the first error: the packager's, or the encoder's
  bool encoded_all_ = false;  // finish(): the track is complete to the video's end and drained
  std::deque<Held> held_;     // encoded, not yet sent
  // The sending thread's view of the announcements above.
  std::deque<int64_t> cuts_;       // AAC frames (samples) that start the next segments
  std::deque<SampleRange> skips_;  // AAC frames in gaps of the video, not sent, oldest first
  // wall - media of the pushes (wall-clock sources). Its window is short: when frames come
  // slower than their rate, the minimum lags the newest push by window x the rate difference.
  ClockOffset push_clock_{500'000};
  mutable std::mutex stats_mutex_;
  AudioStats stats_;

  // The reading thread only.
  bool source_done_ = false;
  int64_t source_stopped_at_ = 0;  // samples, when source_done_
  bool origin_set_ = false;
  int64_t origin_us_ = 0;  // source time of media time 0 (source clock)
  int64_t wall_origin_us_ = 0;
  int64_t trailing_silence_ = 0;  // samples of silence written since the last source sample
  bool stall_reported_ = false;
};

}  // namespace gearbox
