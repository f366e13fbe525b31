// Streamer::open() (the config validated, the output resolved, the backend selected, the audio
// source opened) and the thin public methods; each other job of the Streamer has its own file
// (stream_state.h lists them).
#include "gearbox/streamer.h"

#include <algorithm>
#include <cmath>

#include "output_layout.h"
#include "stream_state.h"

namespace gearbox {

Streamer::Streamer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Streamer::~Streamer() {
  if (impl_ && !impl_->closing) {
    Status s = close();
    if (!s) impl_->log(LogLevel::kError, "close() from the destructor: " + s.message());
  }
}

Result<std::unique_ptr<Streamer>> Streamer::open(StreamConfig config) {
  BackendList backends;
  for (std::unique_ptr<Backend>& backend : all_backends()) backends.push_back(std::move(backend));
  return open(std::move(config), std::move(backends));
}

Result<std::unique_ptr<Streamer>> Streamer::open(StreamConfig config, BackendList backends) {
  GEARBOX_RETURN_IF_ERROR(validate(config));
  GEARBOX_RETURN_IF_ERROR(check_backend_options(config.backend_options, backends));
  auto paths = packager::resolve_output(config.output, config.format);
  if (!paths) return paths.error();
  auto selection = select_backend(config.backend, backends);
  if (!selection) {
    packager::remove_staging(paths.value());
    return selection.error();
  }
  if (config.clear_previous_assets) {
    auto removed = packager::clear_previous_assets(paths.value());
    if (!removed) {
      packager::remove_staging(paths.value());
      return removed.error();
    }
    if (*removed > 0 && config.log) {
      config.log(LogLevel::kInfo,
                 "cleared " + std::to_string(*removed) + " files of an earlier stream");
    }
  }

  auto impl = std::make_shared<Impl>();
  impl->config = std::move(config);
  impl->paths = paths.value();
  impl->selection = std::move(selection.value());
  impl->backend_name = impl->selection.backend->name();
  impl->clock = MediaClock::for_frame_rate(impl->config.input_frame_rate);
  impl->grid = SegmentGrid(impl->config.segment_duration);
  {
    const MediaClock& k = impl->clock;
    const Rational d = impl->config.segment_duration;
    const int64_t grid_ticks = mul_div_floor(k.timescale, d.num, d.den);
    const int64_t target_ticks =
        std::max<int64_t>(
            1, std::llround(d.to_double() + static_cast<double>(k.frame_ticks) / k.timescale)) *
        k.timescale;
    impl->gap_bound_ticks = std::min(grid_ticks, target_ticks) + k.timescale / 2;
  }
  if (!impl->config.audio.source.empty()) {
    const Impl* self = impl.get();
    auto audio = AudioPipeline::open(
        impl->config.audio, impl->clock.timescale, impl->config.segment_duration,
        [self](LogLevel level, const std::string& m) { self->log(level, m); });
    if (!audio) return audio.error();
    impl->audio = std::move(audio.value());
  }
  for (const std::string& why : impl->selection.passed_over) {
    impl->log(LogLevel::kInfo, "backend passed over: " + why);
  }
  return std::unique_ptr<Streamer>(new Streamer(std::move(impl)));
}

const OutputPaths& Streamer::outputs() const {
  return impl_->paths;
}
const std::string& Streamer::backend_name() const {
  return impl_->backend_name;
}
const std::vector<std::string>& Streamer::backends_passed_over() const {
  return impl_->selection.passed_over;
}

}  // namespace gearbox
