#include "va_test_session.h"

#include <fcntl.h>
#include <unistd.h>
#include <va/va_drm.h>
#include <va/va_enc_h264.h>

#include <cstring>

#include "vaapi_simulation_support.h"

namespace gearbox::vaapi::simulation::testing {

Display::Display() {
  prepare_environment();
  fd_ = open(render_node().c_str(), O_RDWR);
  if (fd_ < 0) return;
  display_ = vaGetDisplayDRM(fd_);
  if (!display_) return;
  int major = 0, minor = 0;
  init_status_ = vaInitialize(display_, &major, &minor);
}

Display::~Display() {
  if (display_) vaTerminate(display_);
  if (fd_ >= 0) close(fd_);
}

Picture test_picture(int width, int height, int index, bool noise) {
  Picture p;
  p.width = width;
  p.height = height;
  p.nv12.resize(static_cast<size_t>(width) * height * 3 / 2);
  uint32_t seed = 12345u + static_cast<uint32_t>(index) * 7919u;
  const int square_x = (index * 6) % (width - 32 > 0 ? width - 32 : 1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int v = 40 + (x + y + index * 3) % 160;
      if (x >= square_x && x < square_x + 32 && y >= height / 3 && y < height / 3 + 32) v = 230;
      if (noise) {
        seed = seed * 1664525u + 1013904223u;
        v = (v + static_cast<int>(seed >> 27)) & 0xff;
      }
      p.nv12[static_cast<size_t>(y) * width + x] = static_cast<uint8_t>(v);
    }
  }
  uint8_t* uv = p.nv12.data() + static_cast<size_t>(width) * height;
  for (int y = 0; y < height / 2; ++y) {
    for (int x = 0; x < width / 2; ++x) {
      uv[static_cast<size_t>(y) * width + 2 * x] = static_cast<uint8_t>(100 + (x * 2) % 60);
      uv[static_cast<size_t>(y) * width + 2 * x + 1] = static_cast<uint8_t>(150 - (y * 2) % 60);
    }
  }
  return p;
}

namespace {

void write_nv12(uint8_t* base, const VAImage& image, const Picture& p) {
  for (int y = 0; y < p.height; ++y) {
    std::memcpy(base + image.offsets[0] + static_cast<size_t>(y) * image.pitches[0],
                p.nv12.data() + static_cast<size_t>(y) * p.width, p.width);
  }
  const uint8_t* uv = p.nv12.data() + static_cast<size_t>(p.width) * p.height;
  for (int y = 0; y < p.height / 2; ++y) {
    std::memcpy(base + image.offsets[1] + static_cast<size_t>(y) * image.pitches[1],
                uv + static_cast<size_t>(y) * p.width, p.width);
  }
}

VAImageFormat nv12() {
  VAImageFormat f{};
  f.fourcc = VA_FOURCC_NV12;
  f.byte_order = VA_LSB_FIRST;
  f.bits_per_pixel = 12;
  return f;
}

}  // namespace

VAStatus upload(VADisplay display, VASurfaceID surface, const Picture& picture) {
  VAImage image;
  VAStatus st = vaDeriveImage(display, surface, &image);
  const bool derived = st == VA_STATUS_SUCCESS;
  if (!derived) {
    if (st != VA_STATUS_ERROR_OPERATION_FAILED && st != VA_STATUS_ERROR_UNIMPLEMENTED) return st;
    VAImageFormat format = nv12();
    if ((st = vaCreateImage(display, &format, picture.width, picture.height, &image))) return st;
  }
  void* base = nullptr;
  if ((st = vaMapBuffer(display, image.buf, &base))) return st;
  write_nv12(static_cast<uint8_t*>(base), image, picture);
  if ((st = vaUnmapBuffer(display, image.buf))) return st;
  if (!derived) {
    st = vaPutImage(display, surface, image.image_id, 0, 0, picture.width, picture.height, 0, 0,
                    picture.width, picture.height);
    if (st) return st;
  }
  return vaDestroyImage(display, image.image_id);
}

std::vector<uint8_t> download_luma(VADisplay display, VASurfaceID surface, int width, int height) {
  std::vector<uint8_t> luma;
  VAImage image;
  bool derived = vaDeriveImage(display, surface, &image) == VA_STATUS_SUCCESS;
  if (!derived) {
    VAImageFormat format = nv12();
    if (vaCreateImage(display, &format, width, height, &image)) return luma;
    if (vaGetImage(display, surface, 0, 0, width, height, image.image_id)) return luma;
  }
  void* base = nullptr;
  if (vaMapBuffer(display, image.buf, &base) == VA_STATUS_SUCCESS) {
    for (int y = 0; y < height; ++y) {
      const uint8_t* row = static_cast<uint8_t*>(base) + image.offsets[0] +
                           static_cast<size_t>(y) * image.pitches[0];
      luma.insert(luma.end(), row, row + width);
    }
    vaUnmapBuffer(display, image.buf);
  }
  vaDestroyImage(display, image.image_id);
  return luma;
}

EncodeSession::EncodeSession(VADisplay display,
                             int width,
                             int height,
                             uint32_t rate_control,
                             uint32_t bits_per_second,
                             int fps)
    : display_(display),
      width_(width),
      height_(height),
      fps_(fps),
      rate_control_(rate_control),
      bits_per_second_(bits_per_second) {
  VAConfigAttrib attribs[] = {
      {VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420},
      {VAConfigAttribRateControl, rate_control},
      {VAConfigAttribEncPackedHeaders,
       VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_PICTURE | VA_ENC_PACKED_HEADER_SLICE},
  };
  if ((status_ =
           vaCreateConfig(display_, VAProfileH264High, VAEntrypointEncSlice, attribs, 3, &config_)))
    return;
  VASurfaceAttrib format{};
  format.type = VASurfaceAttribPixelFormat;
  format.flags = VA_SURFACE_ATTRIB_SETTABLE;
  format.value.type = VAGenericValueTypeInteger;
  format.value.value.i = VA_FOURCC_NV12;
  if ((status_ =
           vaCreateSurfaces(display_, VA_RT_FORMAT_YUV420, width, height, &input_, 1, &format, 1)))
    return;
  if ((status_ =
           vaCreateSurfaces(display_, VA_RT_FORMAT_YUV420, width, height, recon_, 2, &format, 1)))
    return;
  if ((status_ =
           vaCreateContext(display_, config_, width, height, VA_PROGRESSIVE, recon_, 2, &context_)))
    return;
  const unsigned coded_size = static_cast<unsigned>(width * height * 3 / 2 + 64 * 1024);
  if ((status_ = vaCreateBuffer(display_, context_, VAEncCodedBufferType, coded_size, 1, nullptr,
                                &coded_)))
    return;
  sps_.level_idc = 40;
  sps_.set_size(width, height);
  sps_.vui.num_units_in_tick = 1;
  sps_.vui.time_scale = static_cast<uint32_t>(2 * fps);
  pps_.pic_init_qp_minus26 = 0;
}

EncodeSession::~EncodeSession() {
  if (coded_ != VA_INVALID_ID) vaDestroyBuffer(display_, coded_);
  if (context_ != VA_INVALID_ID) vaDestroyContext(display_, context_);
  if (recon_[0] != VA_INVALID_SURFACE) vaDestroySurfaces(display_, recon_, 2);
  if (input_ != VA_INVALID_SURFACE) vaDestroySurfaces(display_, &input_, 1);
  if (config_ != VA_INVALID_ID) vaDestroyConfig(display_, config_);
}

VAStatus EncodeSession::render(VABufferType type, const void* data, size_t size) {
  VABufferID id;
  VAStatus st = vaCreateBuffer(display_, context_, type, static_cast<unsigned>(size), 1,
                               const_cast<void*>(data), &id);
  if (st) return st;
  buffers_.push_back(id);
  return vaRenderPicture(display_, context_, &id, 1);
}

VAStatus EncodeSession::render_packed(uint32_t type,
                                      const std::vector<uint8_t>& data,
                                      uint32_t bit_length,
                                      bool emulation) {
  VAEncPackedHeaderParameterBuffer p{};
  p.type = type;
  p.bit_length = bit_length;
  p.has_emulation_bytes = emulation ? 1 : 0;
  if (VAStatus st = render(VAEncPackedHeaderParameterBufferType, &p, sizeof p)) return st;
  return render(VAEncPackedHeaderDataBufferType, data.data(), data.size());
}

namespace {

template <class T>
std::vector<uint8_t> misc(VAEncMiscParameterType type, const T& payload) {
  std::vector<uint8_t> bytes(sizeof(VAEncMiscParameterBuffer) + sizeof(T));
  auto* header = reinterpret_cast<VAEncMiscParameterBuffer*>(bytes.data());
  header->type = type;
  std::memcpy(bytes.data() + sizeof(VAEncMiscParameterBuffer), &payload, sizeof(T));
  return bytes;
}

VAPictureH264 invalid_picture() {
  VAPictureH264 p{};
  p.picture_id = VA_INVALID_SURFACE;
  p.flags = VA_PICTURE_H264_INVALID;
  return p;
}

}  // namespace

VAStatus EncodeSession::encode(const Picture& picture, bool idr, const Misuse& misuse) {
  idr = idr || pictures_ == 0;
  if (VAStatus st = upload(display_, input_, picture)) return st;
  if (idr) {
    frame_num_ = 0;
    since_idr_ = 0;
  }
  const VASurfaceID current = recon_[recon_index_];
  VAStatus st = vaBeginPicture(display_, context_, input_);
  if (st) return st;
  auto fail = [&](VAStatus s) {
    vaEndPicture(display_, context_);
    for (VABufferID b : buffers_) vaDestroyBuffer(display_, b);
    buffers_.clear();
    return s;
  };
  if (idr) {
    VAEncSequenceParameterBufferH264 seq{};
    seq.seq_parameter_set_id = 0;
    seq.level_idc = static_cast<uint8_t>(sps_.level_idc);
    seq.intra_period = seq.intra_idr_period = 0;
    seq.ip_period = 1;
    seq.bits_per_second = bits_per_second_;
    seq.max_num_ref_frames = 1;
    seq.picture_width_in_mbs = static_cast<uint16_t>(sps_.width_in_mbs);
    seq.picture_height_in_mbs = static_cast<uint16_t>(sps_.height_in_mbs);
    seq.seq_fields.bits.chroma_format_idc = 1;
    seq.seq_fields.bits.frame_mbs_only_flag = 1;
    seq.seq_fields.bits.direct_8x8_inference_flag = 1;
    seq.seq_fields.bits.log2_max_frame_num_minus4 =
        static_cast<unsigned>(sps_.log2_max_frame_num_minus4);
    seq.seq_fields.bits.pic_order_cnt_type = static_cast<unsigned>(sps_.pic_order_cnt_type);
    seq.seq_fields.bits.log2_max_pic_order_cnt_lsb_minus4 =
        static_cast<unsigned>(sps_.log2_max_pic_order_cnt_lsb_minus4);
    seq.frame_cropping_flag =
        sps_.crop_left || sps_.crop_right || sps_.crop_top || sps_.crop_bottom;
    seq.frame_crop_left_offset = static_cast<unsigned>(sps_.crop_left);
    seq.frame_crop_right_offset = static_cast<unsigned>(sps_.crop_right);
    seq.frame_crop_top_offset = static_cast<unsigned>(sps_.crop_top);
    seq.frame_crop_bottom_offset = static_cast<unsigned>(sps_.crop_bottom);
    seq.vui_parameters_present_flag = 1;
    seq.vui_fields.bits.timing_info_present_flag = 1;
    seq.vui_fields.bits.bitstream_restriction_flag = 1;
    seq.num_units_in_tick = sps_.vui.num_units_in_tick;
    seq.time_scale = sps_.vui.time_scale;
    if ((st = render(VAEncSequenceParameterBufferType, &seq, sizeof seq))) return fail(st);
    VAEncMiscParameterRateControl rc{};
    rc.bits_per_second = bits_per_second_;
    rc.target_percentage = rate_control_ == VA_RC_VBR ? 80 : 100;
    auto rc_bytes = misc(VAEncMiscParameterTypeRateControl, rc);
    if ((st = render(VAEncMiscParameterBufferType, rc_bytes.data(), rc_bytes.size())))
      return fail(st);
    VAEncMiscParameterHRD hrd{};
    hrd.buffer_size = bits_per_second_;
    hrd.initial_buffer_fullness = bits_per_second_ / 2;
    auto hrd_bytes = misc(VAEncMiscParameterTypeHRD, hrd);
    if ((st = render(VAEncMiscParameterBufferType, hrd_bytes.data(), hrd_bytes.size())))
      return fail(st);
    VAEncMiscParameterFrameRate fr{};
    fr.framerate = static_cast<uint32_t>(fps_) | (1u << 16);
    auto fr_bytes = misc(VAEncMiscParameterTypeFrameRate, fr);
    if ((st = render(VAEncMiscParameterBufferType, fr_bytes.data(), fr_bytes.size())))
      return fail(st);
    h264::Sps packed = sps_;
    if (misuse.sps_level_disagrees) packed.level_idc = 41;
    const auto sps_nal = h264::annexb_nal(h264::kNalSps, 3, h264::write_sps(packed));
    if ((st = render_packed(VAEncPackedHeaderSequence, sps_nal,
                            static_cast<uint32_t>(sps_nal.size() * 8), true)))
      return fail(st);
    const auto pps_nal = h264::annexb_nal(h264::kNalPps, 3, h264::write_pps(pps_, sps_));
    if ((st = render_packed(VAEncPackedHeaderPicture, pps_nal,
                            static_cast<uint32_t>(pps_nal.size() * 8), true)))
      return fail(st);
  }
  const VASurfaceID reference = misuse.wrong_reference ? input_ : previous_recon_;
  VAEncPictureParameterBufferH264 pic{};
  pic.CurrPic.picture_id = current;
  pic.CurrPic.frame_idx = static_cast<uint32_t>(frame_num_);
  pic.CurrPic.TopFieldOrderCnt = 2 * since_idr_;
  pic.CurrPic.BottomFieldOrderCnt = pic.CurrPic.TopFieldOrderCnt;
  for (auto& r : pic.ReferenceFrames) r = invalid_picture();
  if (!idr) {
    pic.ReferenceFrames[0].picture_id = reference;
    pic.ReferenceFrames[0].flags = VA_PICTURE_H264_SHORT_TERM_REFERENCE;
  }
  pic.coded_buf = coded_;
  pic.frame_num = static_cast<uint16_t>(frame_num_);
  pic.pic_init_qp = static_cast<uint8_t>(26 + pps_.pic_init_qp_minus26);
  pic.pic_fields.bits.idr_pic_flag = idr;
  pic.pic_fields.bits.reference_pic_flag = 1;
  pic.pic_fields.bits.entropy_coding_mode_flag = 1;
  pic.pic_fields.bits.transform_8x8_mode_flag = 1;
  pic.pic_fields.bits.deblocking_filter_control_present_flag = 1;
  if ((st = render(VAEncPictureParameterBufferType, &pic, sizeof pic))) return fail(st);

  h264::SliceHeader header;
  header.idr = idr;
  header.slice_type = idr ? h264::kSliceI : h264::kSliceP;
  header.frame_num = frame_num_;
  header.idr_pic_id = idrs_ % 2;
  VAEncSliceParameterBufferH264 slice{};
  slice.macroblock_address = 0;
  slice.num_macroblocks = static_cast<uint32_t>(sps_.width_in_mbs * sps_.height_in_mbs);
  slice.slice_type = static_cast<uint8_t>(header.slice_type);
  slice.idr_pic_id = static_cast<uint16_t>(header.idr_pic_id);
  for (auto& r : slice.RefPicList0) r = invalid_picture();
  for (auto& r : slice.RefPicList1) r = invalid_picture();
  if (!idr) slice.RefPicList0[0] = pic.ReferenceFrames[0];
  if ((st = render(VAEncSliceParameterBufferType, &slice, sizeof slice))) return fail(st);
  h264::BitWriter bits;
  h264::write_slice_header(bits, header, sps_, pps_);
  std::vector<uint8_t> packed = {
      0, 0, 0, 1,
      static_cast<uint8_t>((3 << 5) | (idr ? h264::kNalSliceIdr : h264::kNalSliceNonIdr))};
  packed.insert(packed.end(), bits.bytes().begin(), bits.bytes().end());
  if ((st = render_packed(VAEncPackedHeaderSlice, packed,
                          static_cast<uint32_t>(40 + bits.bit_count()), false)))
    return fail(st);
  st = vaEndPicture(display_, context_);
  for (VABufferID b : buffers_) vaDestroyBuffer(display_, b);
  buffers_.clear();
  if (st) return st;

  if (!misuse.map_before_sync && (st = vaSyncSurface(display_, input_))) return st;
  void* mapped = nullptr;
  if ((st = vaMapBuffer(display_, coded_, &mapped))) return st;
  for (auto* segment = static_cast<VACodedBufferSegment*>(mapped); segment;
       segment = static_cast<VACodedBufferSegment*>(segment->next)) {
    const auto* data = static_cast<const uint8_t*>(segment->buf);
    stream_.insert(stream_.end(), data, data + segment->size);
  }
  if ((st = vaUnmapBuffer(display_, coded_))) return st;

  ++pictures_;
  if (idr) ++idrs_;
  ++since_idr_;
  frame_num_ = (frame_num_ + 1) % (1 << (sps_.log2_max_frame_num_minus4 + 4));
  previous_recon_ = current;
  recon_index_ ^= 1;
  return VA_STATUS_SUCCESS;
}

}  // namespace gearbox::vaapi::simulation::testing
