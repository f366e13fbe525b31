// The backend contract: what NVENC, QSV, VA-API and x264 each implement.
//
//   Backend  --open-->  Device  --upload(frame)-->  Surface (source size, NV12/I420, on the device)
//                          |----scale(surface, size)--> Surface (each distinct rendition size once)
//                          '----open_encoder(config)--> Encoder --encode(surface, pts, idr)-->
//                          packets
//
// Surfaces live in pools owned by the device and are reference-counted: the engine holds a
// SurfaceRef while any encoder still needs the picture, and dropping the last reference
// returns it to its pool. Nothing on the per-frame path allocates in steady state.
//
// Threads (what the engine does, engine/src/streamer.cpp; a backend may rely on it):
//   Backend::probe()           any thread; probe_backend() runs the steps on a thread of its own
//   Backend::open(),
//   Device::open_encoder()     the thread of the stream's first push(), before any pipeline
//                              thread starts
//   Device::upload()           the push() thread
//   Device::scale()            the engine's scaler thread, while push() may be in upload()
//   Encoder::encode(), drain() the rendition's own encoder thread: never two calls at once on
//                              one encoder, while other encoders, upload() and scale() run
//   Device::capabilities(),
//   Encoder::codec_config(),
//   Encoder::stats(),
//   decode_delay_ticks()       any thread, once open (the engine reads them on the push() thread)
// The last SurfaceRef of a surface may drop on any of these threads.
//
// Lifetimes:
//   - A Device outlives its Encoders and every Surface it made: the engine drops every
//     SurfaceRef (its queues) and destroys the encoders before the device, and a pipeline
//     thread left running past close()'s deadline keeps all three alive. A backend need not
//     keep the device alive from a surface or an encoder (NVENC keeps its CUDA context so).
//   - encode() may keep the surface only for the call: to hold the picture longer (a lookahead,
//     B-frames) it copies it, or holds a SurfaceRef of its own that it took from the device.
//   - An EncodedPacket's data is valid until the next encode() or drain() on the same encoder.
//   - The Backend outlives its devices. A probe's steps (ProbeSteps) may still run after
//     probe() returned (a probe past its time limit is left running on its thread): they
//     capture by value what they use, never a raw pointer to the Backend.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gearbox/backend_options.h"
#include "gearbox/config.h"
#include "gearbox/error.h"
#include "gearbox/export.h"
#include "gearbox/frame.h"

namespace gearbox {

enum class SurfaceFormat { kNV12, kI420 };

// A picture in a device's memory. Opaque to the engine; only the backend that made it reads it.
class GEARBOX_EXPORT Surface {
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

enum class Codec { kH264, kHevc };
GEARBOX_EXPORT const char* to_string(Codec codec);  // "h264", "hevc"

// How an encoder spends its bits: x264's average bitrate under a VBV cap (the only mode it is
// driven in), NVENC's constant and variable bitrate.
enum class RateControl { kAbrVbv, kCbr, kVbr };
GEARBOX_EXPORT const char* to_string(RateControl mode);  // "abr+vbv", "cbr", "vbr"

struct Size {
  int width = 0;
  int height = 0;
};

// What a device can encode, as values selection compares with a ladder before any encoder
// opens (engine/src/capability_check.h).
struct GEARBOX_EXPORT Capabilities {
  std::vector<Codec> codecs;
  Size min_size, max_size;  // each side on its own: a side outside its range is refused
  int size_alignment = 2;   // both sides a multiple of this (4:2:0 needs 2)
  std::vector<RateControl> rate_control;
  int max_bframes = 0;
  bool lookahead = false;
  bool ten_bit = false;
  // Concurrent encoder sessions: 0 = no limit, -1 = limited by the driver but not reported by
  // its API (NVENC on consumer GPUs: a failed session open says so, see backends/nvenc).
  int max_sessions = 0;

  bool offers(Codec codec) const;
  bool offers(RateControl mode) const;
};

struct BackendInfo {
  std::string name;
  bool available = false;
  std::string reason;  // why unavailable, or what was probed when available
  Capabilities caps;   // what the probed device reported; empty when unavailable
  // The probed device is a simulated runtime (the tests' stand-in for a vendor's, named so),
  // not hardware: what is measured on it (gearbox bench) says nothing about the hardware.
  bool simulated = false;
};

// One compressed access unit. `data` belongs to the encoder and stays valid only until the
// next encode() or drain() call on the same encoder: sinks copy what they keep.
struct EncodedPacket {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int64_t pts = 0;        // media ticks (EncoderConfig::timescale)
  int64_t dts = 0;        // may be negative before the first IDR's pts when B-frames are used
  bool keyframe = false;  // an IDR
};

class GEARBOX_EXPORT PacketSink {
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

class GEARBOX_EXPORT Encoder {
 public:
  virtual ~Encoder() = default;
  // Encodes one picture. With force_idr the picture becomes an IDR; without it the encoder
  // never makes one on its own (no scene cut, no GOP of its own). Emits zero or more packets.
  // `surface` is the caller's only for the call (see "Lifetimes" above); the packets' data
  // stays valid until the next encode() or drain(). On the rendition's encoder thread.
  virtual Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) = 0;
  // Emits every delayed packet. The encoder accepts no more pictures afterwards. On the
  // rendition's encoder thread, after its last encode().
  virtual Status drain(PacketSink& sink) = 0;
  // Known once open_encoder() returned; the same for the encoder's life.
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
  // The stream's backend options (StreamConfig::backend_options), as EncoderConfig carries them:
  // for options that choose the device itself (VA-API's render node).
  OptionValues backend_options;
};

// Destroyed after its encoders and after the last reference to any surface it made.
class GEARBOX_EXPORT Device {
 public:
  virtual ~Device() = default;
  // Colour-converts the caller's frame once into a device surface at source size. On the
  // push() thread, while scale() and encoders may run on theirs.
  virtual Result<SurfaceRef> upload(const FrameView& frame) = 0;
  // Scales a surface of this device to another size, on the device. On the scaler thread.
  virtual Result<SurfaceRef> scale(const Surface& source, int width, int height) = 0;
  // On the first push()'s thread, one encoder per rendition, before any of them encodes.
  virtual Result<std::unique_ptr<Encoder>> open_encoder(const EncoderConfig& config) = 0;
  // What this device encodes, known once it is open (a hardware device asks its driver in
  // open()); the engine checks the ladder against it before it opens any encoder.
  virtual Capabilities capabilities() const = 0;
  // Whether this device runs on a simulated vendor runtime rather than hardware (see
  // BackendInfo::simulated). Any thread, once open.
  virtual bool simulated() const { return false; }
};

class GEARBOX_EXPORT Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // The options this backend owns, described (StreamConfig::backend_options carries their
  // values). From any thread; the registry's backends answer without loading a runtime.
  virtual std::vector<OptionSpec> options() const { return {}; }
  // A real probe: opens the device and an encoder and encodes a frame under a time limit
  // (probe_backend() below). From any thread.
  virtual BackendInfo probe() = 0;
  // On the first push()'s thread; a device is used by one stream only.
  virtual Result<std::unique_ptr<Device>> open(const DeviceOptions& options) = 0;
};

// Runs `probe` on its own thread and gives up after `limit`, so that a wedged driver or encoder
// cannot hang the caller (the thread is left to finish on its own). For Backend::probe().
GEARBOX_EXPORT BackendInfo probe_with_time_limit(const std::string& name,
                                                 std::chrono::seconds limit,
                                                 std::function<BackendInfo()> probe);

// What a backend gives the shared probe: how to open its device and how to say what worked.
struct ProbeSteps {
  std::string backend;                  // BackendInfo::name
  std::chrono::seconds time_limit{10};  // for all the steps together
  // Opens the device to probe (options: a kProbeWidth x kProbeHeight BGR24 source, two
  // surfaces a size, one encoder session). Its error is the probe's reason.
  std::function<Result<std::unique_ptr<Device>>(const DeviceOptions&)> open_device;
  // BackendInfo::reason when every step worked (e.g. the driver, the GPU, what was encoded);
  // called with the probed device, still open.
  std::function<std::string(const Device&)> describe;
};
inline constexpr int kProbeWidth = 256;  // above NVENC's H.264 minimum (145x49), quick anywhere
inline constexpr int kProbeHeight = 144;

// The probe every backend runs: opens the device, reads its capabilities, opens one encoder
// (100 kbps, default options), uploads one grey frame, encodes it as a forced IDR and drains,
// and requires exactly one keyframe packet; on its own thread, under steps.time_limit. The
// reason of a failed step is that step's error message as it is, so a backend's typed
// failures reach `gearbox probe` and automatic selection unchanged.
GEARBOX_EXPORT BackendInfo probe_backend(ProbeSteps steps);

// Backends the engine chooses among, in automatic-selection order. Shared: a probe that
// outlives its time limit keeps the backend it runs on alive.
using BackendList = std::vector<std::shared_ptr<Backend>>;

}  // namespace gearbox
