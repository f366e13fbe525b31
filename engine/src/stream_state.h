// The state a Streamer shares with its pipeline threads (Streamer::Impl): the config, what the
// first frame set up, the pipeline's queues and threads, the timestamps and the counters. Its
// jobs live in their own files: stream_setup.cpp, frame_admission.cpp, pipeline_loops.cpp,
// shutdown.cpp, stream_stats.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audio_pipeline.h"
#include "bounded_queue.h"
#include "gearbox/backend.h"
#include "gearbox/backend_registry.h"
#include "gearbox/ladder.h"
#include "gearbox/segment_grid.h"
#include "gearbox/streamer.h"
#include "latency_tracker.h"
#include "packager.h"
#include "pipeline_threads.h"

namespace gearbox {

struct PictureJob {
  SurfaceRef surface;
  int64_t pts;  // media ticks
  bool idr;
};

class GEARBOX_HIDDEN Streamer::Impl : public std::enable_shared_from_this<Streamer::Impl> {
 public:
  ~Impl();
  StreamConfig config;
  OutputPaths paths;
  // The backend in use (the first frame may fall back from the one open() selected) and the
  // candidates after it.
  BackendSelection selection;
  std::string backend_name;  // selection.backend's: Streamer::backend_name() hands out a reference
  MediaClock clock{90000, 3600};
  SegmentGrid grid{Rational{2, 1}};

  // Fixed by the first frame.
  std::atomic<bool> started{false};  // read by stats() from any thread
  std::atomic<bool> closed{false};   // push() refuses frames
  std::atomic<bool> closing{false};  // close() or abort() owns the shutdown
  PixelFormat format = PixelFormat::kBGR24;
  int width = 0, height = 0;
  std::vector<RenditionPlan> ladder;
  std::unique_ptr<Device> device;
  std::vector<std::unique_ptr<Encoder>> encoders;  // after the device: released before it
  std::unique_ptr<packager::Packager> packager;
  // The audio track (config.audio), opened by open(), started by the first frame; its track in
  // the packager follows the renditions'.
  std::unique_ptr<AudioPipeline> audio;
  size_t audio_track = 0;

  // Pipeline: push() -> source queue -> scaler thread -> one queue per rendition -> encoders.
  std::unique_ptr<BoundedQueue<PictureJob>> source_queue;
  std::vector<std::unique_ptr<BoundedQueue<PictureJob>>> encode_queues;
  PipelineThreads threads;

  // Timestamps: by frame index, or the caller's (decided by the first frame).
  std::optional<bool> caller_timestamps;
  int64_t first_timestamp = 0;
  std::optional<int64_t> last_pts;  // media ticks of the last accepted frame
  int64_t segment_start = 0;        // media ticks of the IDR that started the current segment
  // A segment this long (ticks) would be too long for HLS: half a second over the target
  // duration (lround(grid + frame), the packager's) would round above it; and at most half a
  // second over the grid, so that the bound stays close to the grid whatever the rounding.
  int64_t gap_bound_ticks = 0;
  int64_t next_index = 0;  // frames accepted or dropped so far

  // Counters read by stats() from any thread.
  std::atomic<int64_t> frames_pushed{0};
  std::atomic<int64_t> frames_dropped{0};
  std::unique_ptr<LatencyTracker> latency;
  std::chrono::steady_clock::time_point first_frame_at;
  std::atomic<int64_t> frames_rejected{0};
  std::unique_ptr<std::atomic<int64_t>[]> frames_encoded;
  std::unique_ptr<std::atomic<int64_t>[]> bytes_encoded;
  std::atomic<int64_t> upload_ns{0}, scale_ns{0}, encode_ns{0}, package_ns{0};
  std::atomic<int64_t> overhead_cpu_ns{0};  // thread CPU of upload, scale and package

  // The pipeline's first failure; once set, push() refuses frames with it.
  std::mutex error_mutex;
  Status first_error;
  std::atomic<bool> failed{false};
  // abort(): threads stop taking work; nothing more is encoded or packaged.
  std::atomic<bool> aborting{false};

  // A thread that holds this state alive while it runs (PipelineThreads).
  template <class F>
  void start_pipeline_thread(F body) {
    threads.start_pipeline(shared_from_this(), std::move(body));
  }
  template <class F>
  std::thread start_other_thread(F body) {
    return threads.start_other(shared_from_this(), std::move(body));
  }

  void log(LogLevel level, const std::string& message) const;
  void fail(const Status& s);
  Status current_error();
  // packager->finish()'s own result, set by close()'s flusher thread.
  Status packager_finish;
  // The pipeline's first error, saying also what the final manifests list (or why they could
  // not be written), so a caller learns both from one message.
  Status error_with_final_manifests();

  // Sets the stream up from its first frame (stream_setup.cpp).
  Status start(const FrameView& frame);
  packager::TrackDescription audio_track_description() const;
  // The pipeline's threads (pipeline_loops.cpp).
  void run_scaler();
  // Scales the job's surface to every needed distinct size; false (after fail()) on an error.
  bool scale_all(const std::vector<SizeKey>& sizes,
                 const std::vector<int>& from,
                 const std::vector<char>& needed,
                 const PictureJob& job,
                 std::vector<SurfaceRef>& scaled);
  void run_encoder(size_t index);
  // One frame into the pipeline (frame_admission.cpp).
  Status accept(const FrameView& frame, std::optional<int64_t> caller_pts);
  // The end of the stream (shutdown.cpp).
  Status finish();
  // Stops the pipeline without waiting for it, lists what is complete, and leaves threads
  // that do not end by the deadline behind (detached).
  // `code`: kTimeout when close() gave up, kClosed for abort().
  Status terminate(std::chrono::steady_clock::time_point deadline,
                   ErrorCode code,
                   const std::string& why);
  int64_t end_ticks() const { return last_pts ? *last_pts + clock.frame_ticks : 0; }
};

}  // namespace gearbox
