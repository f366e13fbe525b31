// The pipeline's threads: the scaler (every needed size of each frame, for the renditions that
// take it on their own rate grid) and one encoder loop per rendition, whose packets a
// RenditionSink hands to the packager.
#include <algorithm>

#include "gearbox/cpu_clock.h"
#include "stage_timer.h"
#include "stream_state.h"

namespace gearbox {

namespace {

// Hands one rendition's packets to the packager and counts them.
class RenditionSink final : public PacketSink {
 public:
  RenditionSink(Streamer::Impl& impl, size_t index) : impl_(impl), index_(index) {}
  Status on_packet(const EncodedPacket& packet) override {
    impl_.frames_encoded[index_]++;
    impl_.bytes_encoded[index_] += static_cast<int64_t>(packet.size);
    const int64_t start = steady_ns(), cpu_start = thread_cpu_ns();
    Status s = impl_.packager->write(index_, packet);
    const int64_t ns = steady_ns() - start;
    packaged_ns += ns;
    impl_.package_ns += ns;
    impl_.overhead_cpu_ns += thread_cpu_ns() - cpu_start;
    return s;
  }

  int64_t packaged_ns = 0;  // this rendition's packaging time (its encoder thread only)

 private:
  Streamer::Impl& impl_;
  size_t index_;
};

}  // namespace

void Streamer::Impl::run_scaler() {
  const std::vector<SizeKey> sizes = distinct_sizes(ladder);
  std::vector<size_t> size_of_rendition(ladder.size());  // index into sizes
  for (size_t r = 0; r < ladder.size(); ++r) {
    while (!(sizes[size_of_rendition[r]] == SizeKey{ladder[r].width, ladder[r].height})) {
      ++size_of_rendition[r];
    }
  }
  const std::vector<int> from = scale_sources(sizes, SizeKey{width, height});
  std::vector<RateDecimator> decimators;
  for (const RenditionPlan& r : ladder) decimators.emplace_back(r.frame_rate);
  std::vector<SurfaceRef> scaled(sizes.size());
  std::vector<char> takes(ladder.size());
  std::vector<char> needed(sizes.size());
  while (std::optional<PictureJob> job = source_queue->pop()) {
    if (failed || aborting) continue;  // keep draining so push() never blocks on a dead pipeline
    // Which renditions take this frame on their own rate grid, and so which sizes (and the
    // larger pictures those are scaled from) must be made.
    const Rational pts = clock.seconds_of(job->pts);
    std::fill(needed.begin(), needed.end(), 0);
    for (size_t r = 0; r < ladder.size(); ++r) {
      // At the input rate every frame is taken, so caller timestamps closer together than
      // 1 / rate (variable frame rate) all reach the primary rendition.
      takes[r] =
          ladder[r].frame_rate == config.input_frame_rate || decimators[r].take(pts, job->idr);
      if (takes[r]) needed[size_of_rendition[r]] = 1;
    }
    for (size_t k = sizes.size(); k-- > 0;) {
      if (needed[k] && from[k] >= 0) needed[from[k]] = 1;
    }
    if (!scale_all(sizes, from, needed, *job, scaled)) continue;
    for (size_t r = 0; r < ladder.size(); ++r) {
      if (takes[r] &&
          !encode_queues[r]->push(PictureJob{scaled[size_of_rendition[r]], job->pts, job->idr})) {
        break;  // closed by abort()
      }
    }
    for (SurfaceRef& ref : scaled) ref.reset();  // back to the pools as soon as encoders are done
  }
  for (auto& q : encode_queues) q->close();
}

bool Streamer::Impl::scale_all(const std::vector<SizeKey>& sizes,
                               const std::vector<int>& from,
                               const std::vector<char>& needed,
                               const PictureJob& job,
                               std::vector<SurfaceRef>& scaled) {
  StageTimer timer(scale_ns, &overhead_cpu_ns);
  for (size_t s = 0; s < sizes.size(); ++s) {
    if (!needed[s]) continue;
    if (sizes[s].width == width && sizes[s].height == height) {
      scaled[s] = job.surface;
      continue;
    }
    const Surface& input = from[s] < 0 ? *job.surface : *scaled[from[s]];
    auto surface = device->scale(input, sizes[s].width, sizes[s].height);
    if (!surface) {
      fail(surface.error());
      return false;
    }
    scaled[s] = std::move(surface.value());
  }
  return true;
}

void Streamer::Impl::run_encoder(size_t index) {
  RenditionSink sink(*this, index);
  Encoder& encoder = *encoders[index];
  // Encoder time is the call's wall time minus the packaging the sink did inside it.
  auto timed = [&](auto&& call) {
    const int64_t package_before = sink.packaged_ns;
    StageTimer timer(encode_ns);
    Status s = call();
    encode_ns -= sink.packaged_ns - package_before;
    if (!s) fail(make_error(s.code(), ladder[index].id + ": " + s.message()));
  };
  while (std::optional<PictureJob> job = encode_queues[index]->pop()) {
    if (failed || aborting) continue;
    timed([&] { return encoder.encode(*job->surface, job->pts, job->idr, sink); });
  }
  if (!failed && !aborting) timed([&] { return encoder.drain(sink); });
}

}  // namespace gearbox
