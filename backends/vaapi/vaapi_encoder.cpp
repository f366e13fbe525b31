#include "vaapi_encoder.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "h264_syntax.h"
#include "vaapi_headers.h"
#include "vaapi_options.h"
#include "vaapi_status.h"

namespace gearbox::vaapi {
namespace {

std::string size_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

constexpr int kReconSurfaces = 2;  // the picture being written and its one reference

// The picture being encoded and its reference, swapped after each picture.
struct Recon {
  VASurfaceID surfaces[kReconSurfaces] = {VA_INVALID_SURFACE, VA_INVALID_SURFACE};
  int current = 0;
};

class VaapiEncoder final : public Encoder {
 public:
  VaapiEncoder(std::shared_ptr<Display> display,
               std::shared_ptr<SessionCount> sessions,
               const EncoderConfig& config)
      : display_(std::move(display)),
        sessions_(std::move(sessions)),
        config_(config),
        settings_(VaapiSettings::from(config.backend_options)) {}

  ~VaapiEncoder() override {
    const VaApi& va = display_->va();
    VADisplay dpy = display_->display();
    if (coded_ != VA_INVALID_ID) va.vaDestroyBuffer(dpy, coded_);
    if (context_ != VA_INVALID_ID) {
      va.vaDestroyContext(dpy, context_);
      --sessions_->open;
    }
    if (recon_.surfaces[0] != VA_INVALID_SURFACE)
      va.vaDestroySurfaces(dpy, recon_.surfaces, kReconSurfaces);
    if (config_id_ != VA_INVALID_ID) va.vaDestroyConfig(dpy, config_id_);
  }

  Status initialise();

  Status encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) override;
  Status drain(PacketSink&) override { return {}; }  // no B-frames: nothing is held back
  const CodecConfig& codec_config() const override { return codec_; }
  EncoderStats stats() const override { return stats_; }

 private:
  Error failure(const std::string& call, VAStatus s, const std::string& detail = "") const {
    return va_failure(display_->runtime(), call, s, display_->where(), detail);
  }
  Status check_against_capabilities() const;
  Status add_buffer(VABufferType type, const void* data, size_t size, const char* what);
  Status add_misc(VAEncMiscParameterType type, const void* data, size_t size, const char* what);
  Status add_packed(uint32_t type, const PackedHeader& header, bool emulation_bytes);
  Status render_picture(VASurfaceID input, const PictureOrder& order);
  Status encode_picture(VASurfaceID input, const PictureOrder& order);
  Status read_coded();
  void release_buffers();
  bool driver_writes_parameter_sets() const {
    return !(packed_ & VA_ENC_PACKED_HEADER_SEQUENCE) || !(packed_ & VA_ENC_PACKED_HEADER_PICTURE);
  }
  Status learn_parameter_sets();
  Status strip_parameter_sets();

  std::shared_ptr<Display> display_;
  std::shared_ptr<SessionCount> sessions_;
  EncoderConfig config_;
  VaapiSettings settings_;
  bool vbr_ = false;
  uint32_t bits_per_second_ = 0;  // the target (CBR) or the peak (VBR)
  uint32_t target_percentage_ = 100;
  uint32_t hrd_bits_ = 0;
  uint32_t packed_ = 0;  // the packed headers the driver asked for
  RenditionHeaders headers_;
  VAConfigID config_id_ = VA_INVALID_ID;
  VAContextID context_ = VA_INVALID_ID;
  VABufferID coded_ = VA_INVALID_ID;
  Recon recon_;
  std::vector<VABufferID> buffers_;  // of the picture being rendered
  bool started_ = false;
  PictureOrder previous_;
  int next_idr_pic_id_ = 0;
  std::vector<uint8_t> packet_;
  CodecConfig codec_;
  EncoderStats stats_;
};

Status VaapiEncoder::check_against_capabilities() const {
  const EncodeSupport& s = display_->support();
  const int w = config_.width, h = config_.height;
  if (w < Display::kMinSize || h < Display::kMinSize || w > s.max_width || h > s.max_height) {
    return make_error(ErrorCode::kUnsupported,
                      size_text(w, h) + " is outside the VA-API driver's H.264 encoder sizes " +
                          size_text(Display::kMinSize, Display::kMinSize) + ".." +
                          size_text(s.max_width, s.max_height) +
                          " (VAConfigAttribMaxPictureWidth/Height; the minimum is gearbox's) on " +
                          display_->where());
  }
  const uint32_t mode = vbr_ ? VA_RC_VBR : VA_RC_CBR;
  if (!(s.rate_control & mode)) {
    return make_error(ErrorCode::kUnsupported,
                      "vaapi.rate_control \"" + settings_.rate_control +
                          "\" is not among the VA-API driver's modes (VAConfigAttribRateControl) "
                          "on " +
                          display_->where());
  }
  return {};
}

Status VaapiEncoder::initialise() {
  vbr_ = settings_.rate_control == "vbr";
  const double bps = static_cast<double>(config_.bitrate_kbps) * 1000.0;
  const double factor = std::max(1.0, config_.rate_control.vbv_maxrate_factor);
  // VA's VBR: bits_per_second is the peak and target_percentage the average's share of it.
  const double peak = vbr_ ? bps * factor : bps;
  bits_per_second_ = static_cast<uint32_t>(peak);
  target_percentage_ =
      vbr_ ? static_cast<uint32_t>(std::clamp(100.0 / factor, 1.0, 100.0) + 0.5) : 100;
  hrd_bits_ = static_cast<uint32_t>(std::max(1.0, bps * config_.rate_control.vbv_buffer_seconds));
  GEARBOX_RETURN_IF_ERROR(check_against_capabilities());

  const EncodeSupport& support = display_->support();
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  packed_ = support.packed_headers;
  std::vector<VAConfigAttrib> attributes = {
      {VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420},
      {VAConfigAttribRateControl, vbr_ ? static_cast<uint32_t>(VA_RC_VBR) : VA_RC_CBR},
  };
  if (packed_) attributes.push_back({VAConfigAttribEncPackedHeaders, packed_});
  VAStatus s = va.vaCreateConfig(dpy, VAProfileH264High, support.entrypoint, attributes.data(),
                                 static_cast<int>(attributes.size()), &config_id_);
  if (s != VA_STATUS_SUCCESS) {
    config_id_ = VA_INVALID_ID;
    return failure("vaCreateConfig(H.264 High encode)", s);
  }
  GEARBOX_RETURN_IF_ERROR(create_nv12_surfaces(*display_, config_.width, config_.height,
                                               recon_.surfaces, kReconSurfaces));
  s = va.vaCreateContext(dpy, config_id_, config_.width, config_.height, VA_PROGRESSIVE,
                         recon_.surfaces, kReconSurfaces, &context_);
  if (s != VA_STATUS_SUCCESS) {
    context_ = VA_INVALID_ID;
    // What drivers return when their contexts (or the memory for one more) are used up.
    if (s == VA_STATUS_ERROR_ALLOCATION_FAILED || s == VA_STATUS_ERROR_MAX_NUM_EXCEEDED) {
      return make_error(
          ErrorCode::kOutOfSessions,
          failure("vaCreateContext(encode " + size_text(config_.width, config_.height) + ")", s)
                  .message +
              "; the driver has no encode context left: this ladder needs " +
              std::to_string(sessions_->needed) + " (one per rendition), " +
              std::to_string(sessions_->open.load()) +
              " were open in gearbox when this one was refused (other processes' count too); "
              "use fewer renditions");
    }
    return failure("vaCreateContext(encode " + size_text(config_.width, config_.height) + ")", s);
  }
  ++sessions_->open;
  const unsigned coded_size =
      static_cast<unsigned>(config_.width) * static_cast<unsigned>(config_.height) * 3 / 2 +
      64 * 1024;
  s = va.vaCreateBuffer(dpy, context_, VAEncCodedBufferType, coded_size, 1, nullptr, &coded_);
  if (s != VA_STATUS_SUCCESS) {
    coded_ = VA_INVALID_ID;
    return failure("vaCreateBuffer(VAEncCodedBufferType)", s);
  }
  headers_ = make_headers(config_, bits_per_second_);
  // With packed parameter sets the stream carries exactly the ones written here; without, the
  // driver writes its own, and the engine reads codec_config() right after open_encoder(): a
  // warm-up IDR now tells what they are.
  if (driver_writes_parameter_sets()) return learn_parameter_sets();
  codec_.extradata = packed_sps(headers_).bytes;
  const PackedHeader pps = packed_pps(headers_);
  codec_.extradata.insert(codec_.extradata.end(), pps.bytes.begin(), pps.bytes.end());
  codec_.codec_string = h264::codec_string(headers_.sps);
  return {};
}

// SPS and PPS NAL units of an access unit, each re-written with a 4-byte start code; the first
// of each type only.
struct ParameterSets {
  std::vector<uint8_t> sps, pps;
  std::vector<uint8_t> annexb() const {
    std::vector<uint8_t> out = sps;
    out.insert(out.end(), pps.begin(), pps.end());
    return out;
  }
};
ParameterSets parameter_sets_of(const std::vector<uint8_t>& au) {
  ParameterSets sets;
  for (const h264::NalUnit& n : h264::split_annexb(au.data(), au.size())) {
    if (n.type != h264::kNalSps && n.type != h264::kNalPps) continue;
    auto& into = n.type == h264::kNalSps ? sets.sps : sets.pps;
    if (into.empty())
      into = h264::annexb_nal(n.type, n.ref_idc, h264::unescape_rbsp(n.payload, n.payload_size));
  }
  return sets;
}

// One IDR of a grey picture, encoded the way every picture is and thrown away but for the
// driver's SPS/PPS. Its idr_pic_id is the first of the alternation, so the stream's first IDR
// (next_idr_pic_id_) differs from it as consecutive IDRs must; started_ stays false, so the
// first real picture is an IDR whatever the engine asks.
Status VaapiEncoder::learn_parameter_sets() {
  VASurfaceID grey = VA_INVALID_SURFACE;
  GEARBOX_RETURN_IF_ERROR(create_nv12_surfaces(*display_, config_.width, config_.height, &grey, 1));
  PictureOrder order;
  order.idr = true;
  order.idr_pic_id = next_idr_pic_id_;
  next_idr_pic_id_ ^= 1;
  Status encoded = fill_nv12_grey(*display_, grey, config_.width, config_.height);
  if (encoded) encoded = encode_picture(grey, order);
  display_->va().vaDestroySurfaces(display_->display(), &grey, 1);
  if (!encoded) return encoded;
  recon_.current = 1 - recon_.current;
  const ParameterSets sets = parameter_sets_of(packet_);
  if (sets.sps.empty() || sets.pps.empty()) {
    return make_error(ErrorCode::kBackendFailure,
                      std::string("VA-API: the driver asks for no packed ") +
                          (sets.sps.empty() ? "SPS" : "PPS") + " (VAConfigAttribEncPackedHeaders " +
                          std::to_string(packed_) + ") but wrote none into its first IDR on " +
                          display_->where());
  }
  const auto sps_nal = h264::split_annexb(sets.sps.data(), sets.sps.size());
  auto sps = h264::parse_sps(h264::unescape_rbsp(sps_nal[0].payload, sps_nal[0].payload_size));
  if (!sps) {
    return make_error(ErrorCode::kBackendFailure, "VA-API: the driver's own SPS does not parse (" +
                                                      sps.error().message + ") on " +
                                                      display_->where());
  }
  codec_.extradata = sets.annexb();
  codec_.codec_string = h264::codec_string(sps.value());
  return {};
}

// Parameter sets travel out of band (the avcC from codec_config()), as the x264 and NVENC
// backends' do ('avc1' keeps them in the sample entry): the in-band SPS/PPS of an IDR (the
// packed ones gearbox wrote, or the driver's own) are dropped, after checking they are still
// the ones the codec config carries.
Status VaapiEncoder::strip_parameter_sets() {
  const ParameterSets sets = parameter_sets_of(packet_);
  const ParameterSets known = parameter_sets_of(codec_.extradata);
  for (const auto& [name, now, then] : {std::make_tuple("SPS", &sets.sps, &known.sps),
                                        std::make_tuple("PPS", &sets.pps, &known.pps)}) {
    if (!now->empty() && *now != *then) {
      return make_error(ErrorCode::kBackendFailure,
                        std::string("VA-API: the driver's ") + name +
                            " changed from the one in the codec config (taken from its first "
                            "IDR at open) on " +
                            display_->where() + "; the stream's parameter sets are out of band");
    }
  }
  std::vector<uint8_t> kept;
  for (const h264::NalUnit& n : h264::split_annexb(packet_.data(), packet_.size())) {
    if (n.type == h264::kNalSps || n.type == h264::kNalPps) continue;
    const uint8_t start[] = {0, 0, 0, 1, static_cast<uint8_t>((n.ref_idc << 5) | n.type)};
    kept.insert(kept.end(), start, start + sizeof start);
    kept.insert(kept.end(), n.payload, n.payload + n.payload_size);
  }
  packet_ = std::move(kept);
  return {};
}

Status VaapiEncoder::add_buffer(VABufferType type,
                                const void* data,
                                size_t size,
                                const char* what) {
  VABufferID id = VA_INVALID_ID;
  const VAStatus s =
      display_->va().vaCreateBuffer(display_->display(), context_, type,
                                    static_cast<unsigned>(size), 1, const_cast<void*>(data), &id);
  if (s != VA_STATUS_SUCCESS) return failure(std::string("vaCreateBuffer(") + what + ")", s);
  buffers_.push_back(id);
  return {};
}

Status VaapiEncoder::add_misc(VAEncMiscParameterType type,
                              const void* data,
                              size_t size,
                              const char* what) {
  std::vector<uint8_t> bytes(sizeof(VAEncMiscParameterBuffer) + size, 0);
  auto* misc = reinterpret_cast<VAEncMiscParameterBuffer*>(bytes.data());
  misc->type = type;
  std::memcpy(misc->data, data, size);
  return add_buffer(VAEncMiscParameterBufferType, bytes.data(), bytes.size(), what);
}

Status VaapiEncoder::add_packed(uint32_t type, const PackedHeader& header, bool emulation_bytes) {
  VAEncPackedHeaderParameterBuffer p{};
  p.type = type;
  p.bit_length = static_cast<uint32_t>(header.bits);
  p.has_emulation_bytes = emulation_bytes ? 1 : 0;
  GEARBOX_RETURN_IF_ERROR(
      add_buffer(VAEncPackedHeaderParameterBufferType, &p, sizeof p, "packed header parameters"));
  return add_buffer(VAEncPackedHeaderDataBufferType, header.bytes.data(), header.bytes.size(),
                    "packed header data");
}

void VaapiEncoder::release_buffers() {
  for (VABufferID id : buffers_) display_->va().vaDestroyBuffer(display_->display(), id);
  buffers_.clear();
}

Status VaapiEncoder::render_picture(VASurfaceID input, const PictureOrder& order) {
  const VASurfaceID current = recon_.surfaces[recon_.current];
  const VASurfaceID reference =
      order.idr ? VA_INVALID_SURFACE : recon_.surfaces[1 - recon_.current];
  if (order.idr) {
    const VAEncSequenceParameterBufferH264 seq = sequence_buffer(headers_, bits_per_second_);
    GEARBOX_RETURN_IF_ERROR(
        add_buffer(VAEncSequenceParameterBufferType, &seq, sizeof seq, "sequence parameters"));
    VAEncMiscParameterRateControl rc{};
    rc.bits_per_second = bits_per_second_;
    rc.target_percentage = target_percentage_;
    rc.window_size = 1000;
    rc.rc_flags.bits.disable_frame_skip = 1;
    GEARBOX_RETURN_IF_ERROR(
        add_misc(VAEncMiscParameterTypeRateControl, &rc, sizeof rc, "rate control"));
    VAEncMiscParameterHRD hrd{};
    hrd.buffer_size = hrd_bits_;
    hrd.initial_buffer_fullness = hrd_bits_;
    GEARBOX_RETURN_IF_ERROR(add_misc(VAEncMiscParameterTypeHRD, &hrd, sizeof hrd, "HRD"));
    VAEncMiscParameterFrameRate rate{};
    rate.framerate = static_cast<uint32_t>(config_.frame_rate.num) |
                     (static_cast<uint32_t>(config_.frame_rate.den) << 16);
    GEARBOX_RETURN_IF_ERROR(
        add_misc(VAEncMiscParameterTypeFrameRate, &rate, sizeof rate, "frame rate"));
    if (packed_ & VA_ENC_PACKED_HEADER_SEQUENCE)
      GEARBOX_RETURN_IF_ERROR(add_packed(VAEncPackedHeaderSequence, packed_sps(headers_), true));
    if (packed_ & VA_ENC_PACKED_HEADER_PICTURE)
      GEARBOX_RETURN_IF_ERROR(add_packed(VAEncPackedHeaderPicture, packed_pps(headers_), true));
  }
  const VAEncPictureParameterBufferH264 pic =
      picture_buffer(headers_, order, current, reference, previous_, coded_);
  GEARBOX_RETURN_IF_ERROR(
      add_buffer(VAEncPictureParameterBufferType, &pic, sizeof pic, "picture parameters"));
  const VAEncSliceParameterBufferH264 slice = slice_buffer(headers_, order, reference, previous_);
  GEARBOX_RETURN_IF_ERROR(
      add_buffer(VAEncSliceParameterBufferType, &slice, sizeof slice, "slice parameters"));
  if (packed_ & VA_ENC_PACKED_HEADER_SLICE)
    GEARBOX_RETURN_IF_ERROR(
        add_packed(VAEncPackedHeaderSlice, packed_slice_header(headers_, order), false));

  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  VAStatus s = va.vaBeginPicture(dpy, context_, input);
  if (s != VA_STATUS_SUCCESS) return failure("vaBeginPicture(encode)", s);
  s = va.vaRenderPicture(dpy, context_, buffers_.data(), static_cast<int>(buffers_.size()));
  const VAStatus end = va.vaEndPicture(dpy, context_);
  if (s != VA_STATUS_SUCCESS) return failure("vaRenderPicture(encode)", s);
  if (end != VA_STATUS_SUCCESS) return failure("vaEndPicture(encode)", end);
  return {};
}

Status VaapiEncoder::read_coded() {
  const VaApi& va = display_->va();
  VADisplay dpy = display_->display();
  void* mapped = nullptr;
  VAStatus s = va.vaMapBuffer(dpy, coded_, &mapped);
  if (s != VA_STATUS_SUCCESS) return failure("vaMapBuffer(coded buffer)", s);
  packet_.clear();
  bool overflow = false;
  for (auto* seg = static_cast<VACodedBufferSegment*>(mapped); seg;
       seg = static_cast<VACodedBufferSegment*>(seg->next)) {
    const auto* bytes = static_cast<const uint8_t*>(seg->buf);
    packet_.insert(packet_.end(), bytes, bytes + seg->size);
    if (seg->status & VA_CODED_BUF_STATUS_SLICE_OVERFLOW_MASK) overflow = true;
  }
  s = va.vaUnmapBuffer(dpy, coded_);
  if (s != VA_STATUS_SUCCESS) return failure("vaUnmapBuffer(coded buffer)", s);
  if (overflow) {
    return make_error(ErrorCode::kBackendFailure,
                      "VA-API: the coded buffer overflowed (VA_CODED_BUF_STATUS_SLICE_OVERFLOW) "
                      "on " +
                          display_->where());
  }
  if (packet_.empty()) {
    return make_error(ErrorCode::kBackendFailure,
                      "VA-API: the driver returned an empty coded buffer on " + display_->where());
  }
  return {};
}

Status VaapiEncoder::encode_picture(VASurfaceID input, const PictureOrder& order) {
  Status rendered = render_picture(input, order);
  release_buffers();  // consumed by vaRenderPicture; destroyed after vaEndPicture
  if (!rendered) return rendered;
  const VAStatus s = display_->va().vaSyncSurface(display_->display(), input);
  if (s != VA_STATUS_SUCCESS) return failure("vaSyncSurface(encode)", s);
  return read_coded();
}

Status VaapiEncoder::encode(const Surface& surface, int64_t pts, bool force_idr, PacketSink& sink) {
  const auto* in = dynamic_cast<const VaSurface*>(&surface);
  if (!in || in->owner() != display_.get()) {
    return make_error(ErrorCode::kInternal, "vaapi: encode() of a surface from another device");
  }
  if (in->width() != config_.width || in->height() != config_.height) {
    return make_error(ErrorCode::kInternal, "vaapi: surface " +
                                                size_text(in->width(), in->height()) +
                                                " given to an encoder opened for " +
                                                size_text(config_.width, config_.height));
  }
  PictureOrder order;
  order.idr = force_idr || !started_;
  if (order.idr) {
    order.idr_pic_id = next_idr_pic_id_;
    next_idr_pic_id_ ^= 1;
  } else {
    const int max_frame_num = 1 << (headers_.sps.log2_max_frame_num_minus4 + 4);
    order.frame_num = (previous_.frame_num + 1) % max_frame_num;
    order.idr_pic_id = previous_.idr_pic_id;
    order.order = previous_.order + 1;
  }
  GEARBOX_RETURN_IF_ERROR(encode_picture(in->id(), order));
  GEARBOX_RETURN_IF_ERROR(strip_parameter_sets());
  started_ = true;
  previous_ = order;
  recon_.current = 1 - recon_.current;
  ++stats_.frames_in;
  ++stats_.packets_out;
  stats_.bytes_out += static_cast<int64_t>(packet_.size());
  EncodedPacket packet;
  packet.data = packet_.data();
  packet.size = packet_.size();
  packet.pts = packet.dts = pts;  // no B-frames: decode order is presentation order
  packet.keyframe = order.idr;
  return sink.on_packet(packet);
}

}  // namespace

Result<std::unique_ptr<Encoder>> open_vaapi_encoder(std::shared_ptr<Display> display,
                                                    std::shared_ptr<SessionCount> sessions,
                                                    const EncoderConfig& config) {
  auto encoder = std::make_unique<VaapiEncoder>(std::move(display), std::move(sessions), config);
  GEARBOX_RETURN_IF_ERROR(encoder->initialise());
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace gearbox::vaapi
