// The backend contract: what NVENC, QSV, VA-API and x264 each implement.
//
//   Backend  --open-->  Device  --upload(frame)-->  Surface (source size, NV12/I420, on the device)
//                          |----scale(surface, size)--> Surface (each distinct rendition size once)
//                          '----open_encoder(config)--> Encoder --encode(surface, pts, idr)--> packets
//
// Surfaces live in pools owned by the device and are reference-counted: the engine holds a
// SurfaceRef while any encoder still needs the picture, and dropping the last reference
// returns it to its pool. Nothing on the per-frame path allocates in steady state.
#pragma once

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend_options.h"
#include "gearbox/config.h"
#include "gearbox/error.h"
#include "gearbox/frame.h"

namespace gearbox {

enum class SurfaceFormat { kNV12, kI420 };

// A picture in a device's memory. Opaque to the engine; only the backend that made it reads it.
class Surface {
 public:
  virtual ~Surface() = default;
  int width() const { return width_; }
  int height() const { return height_; }
  SurfaceFormat format() const { return format_; }

 protected:
  Surface(int width, int height, SurfaceFormat format)
      : width_(width), height_(height), format_(format) {}

 private:
  int width_;
  int height_;
  SurfaceFormat format_;
};
using SurfaceRef = std::shared_ptr<const Surface>;

struct Capabilities {
  std::vector<std::string> codecs;              // "h264", "hevc"
  int min_width = 0, min_height = 0;
  int max_width = 0, max_height = 0;
  std::vector<std::string> rate_control_modes;  // "abr+vbv", "cbr", "vbr"
  int max_bframes = 0;
  bool lookahead = false;
  bool ten_bit = false;
  // Concurrent encoder sessions: 0 = no limit, -1 = limited by the driver but not reported by
  // its API (NVENC on consumer GPUs: a failed session open says so, see backends/nvenc).
  int max_sessions = 0;
};

struct BackendInfo {
  std::string name;
  bool available = false;
  std::string reason;  // why unavailable, or what was probed when available
  Capabilities caps;
};

// One compressed access unit. `data` belongs to the encoder and stays valid only until the
// next encode() or drain() call on the same encoder: sinks copy what they keep.
struct EncodedPacket {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int64_t pts = 0;  // media ticks (EncoderConfig::timescale)
  int64_t dts = 0;  // may be negative before the first IDR's pts when B-frames are used
  bool keyframe = false;  // an IDR
};

class PacketSink {
 public:
  virtual ~PacketSink() = default;
  virtual Status on_packet(const EncodedPacket& packet) = 0;
};

// Out-of-band codec set-up for the muxer.
struct CodecConfig {
  std::string codec = "h264";
  std::vector<uint8_t> extradata;  // Annex B SPS + PPS
  std::string codec_string;        // RFC 6381, e.g. "avc1.64001f"
};

struct EncoderStats {
  int64_t frames_in = 0;
  int64_t packets_out = 0;
  int64_t bytes_out = 0;
};

struct EncoderConfig {
  int width = 0;
  int height = 0;
  Rational frame_rate{25, 1};
  int64_t timescale = 90000;  // units of pts/dts in and out
  int64_t bitrate_kbps = 0;
  RateControlOptions rate_control;
  // The stream's backend options (StreamConfig::backend_options): a backend reads its own
  // through BackendOptions, with its defaults.
  OptionValues backend_options;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Encodes one picture. With force_idr the picture becomes an IDR; without it the encoder
  // never makes one on its own (no scene cut, no GOP of its own). Emits zero or more packets.
  virtual Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) = 0;
  // Emits every delayed packet. The encoder accepts no more pictures afterwards.
  virtual Status drain(PacketSink& sink) = 0;
  virtual const CodecConfig& codec_config() const = 0;
  virtual EncoderStats stats() const = 0;
  // The most a packet's dts can lie before its pts, in the config's timescale: the reordering
  // delay of B-frames (0 without them). The packager shifts every track of the stream by the
  // largest one, so composition offsets never go negative and all tracks stay on one axis.
  virtual int64_t decode_delay_ticks() const { return 0; }
};

// A smaller picture the engine will ask scale() for: from the uploaded picture (from = -1) or
// from the picture of an earlier request.
struct ScaleRequest {
  int from = -1;
  int width = 0;
  int height = 0;
};

struct DeviceOptions {
  int width = 0;  // source size: every upload() has it
  int height = 0;
  PixelFormat input_format = PixelFormat::kBGR24;
  int pool_size = 16;  // surfaces per size before upload()/scale() wait for one to come back
  // Encoders the engine will open on this device (one per rendition). Hardware encoders have
  // session limits: a device says up front, and in its errors, how many the ladder needs.
  int encoder_sessions = 1;
  // The scales the engine asks for on every frame, in order. A CPU device may make them in
  // upload(), in the same pass as the conversion while the picture is still in cache
  // (x264/banded_ladder.h), and hand them out in scale(). Other devices ignore it.
  std::vector<ScaleRequest> every_frame_scales;
};

class Device {
 public:
  virtual ~Device() = default;
  // Colour-converts the caller's frame once into a device surface at source size.
  virtual Result<SurfaceRef> upload(const FrameView& frame) = 0;
  // Scales a surface of this device to another size, on the device.
  virtual Result<SurfaceRef> scale(const Surface& source, int width, int height) = 0;
  virtual Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // The options this backend owns, described (StreamConfig::backend_options carries their values).
  virtual std::vector<OptionSpec> options() const { return {}; }
  // A real probe: opens the device and an encoder and encodes a frame under a time limit.
  virtual BackendInfo probe() = 0;
  virtual Result<std::unique_ptr<Device>> open(const DeviceOptions& options) = 0;
};

// Runs `probe` on its own thread and gives up after `limit`, so that a wedged driver or encoder
// cannot hang the caller (the thread is left to finish on its own). For Backend::probe().
BackendInfo probe_with_time_limit(const std::string& name, std::chrono::seconds limit,
                                  std::function<BackendInfo()> probe);

// Backends the engine chooses among, in automatic-selection order. Shared: a probe that
// outlives its time limit keeps the backend it runs on alive.
using BackendList = std::vector<std::shared_ptr<Backend>>;

}  // namespace gearbox
