// The H.264 headers of one rendition, from its encoder config: the SPS and PPS gearbox writes
// (with the h264 module) and the VA parameter buffers that must agree with them, field for
// field, and each picture's slice header. One place decides every syntax value, so the packed
// headers and the VA buffers cannot drift apart.
//
// The stream: High profile, CABAC, 8x8 transform, one slice, I and P only, one reference,
// pic_order_cnt_type 2 (output order = decode order), frame_num from 0 at each IDR modulo 256,
// VUI with timing (time_scale = 2 * frame rate numerator) and max_num_reorder_frames 0.
#pragma once

#include <va/va.h>
#include <va/va_enc_h264.h>

#include <cstdint>
#include <vector>

#include "gearbox/backend.h"
#include "h264_syntax.h"

namespace gearbox::vaapi {

// The smallest level (Table A-1) whose frame size, macroblock rate, width and bitrate (the HRD's
// peak, with High profile's 1.25 factor) hold the rendition; 52 when none does.
int level_for(int width, int height, Rational frame_rate, int64_t peak_bits_per_second);

struct RenditionHeaders {
  h264::Sps sps;
  h264::Pps pps;
  int pic_init_qp = 26;
};

RenditionHeaders make_headers(const EncoderConfig& config, int64_t peak_bits_per_second);

// The SPS buffer of every IDR: the same values as `h.sps` (no GOP of the driver's own:
// intra_period and intra_idr_period 0, ip_period 1).
VAEncSequenceParameterBufferH264 sequence_buffer(const RenditionHeaders& h,
                                                 uint32_t bits_per_second);

// One picture's place in the stream.
struct PictureOrder {
  bool idr = false;
  int frame_num = 0;   // from 0 at the IDR, modulo 2^(log2_max_frame_num)
  int idr_pic_id = 0;  // of the last IDR, alternating 0/1
  int order = 0;       // pictures since the IDR (POC = 2 * order)
};

// `current` is the recon surface this picture is written to; `reference` the previous picture's
// (a P picture's only reference), VA_INVALID_SURFACE on an IDR.
VAEncPictureParameterBufferH264 picture_buffer(const RenditionHeaders& h,
                                               const PictureOrder& order,
                                               VASurfaceID current,
                                               VASurfaceID reference,
                                               const PictureOrder& reference_order,
                                               VABufferID coded_buffer);
VAEncSliceParameterBufferH264 slice_buffer(const RenditionHeaders& h,
                                           const PictureOrder& order,
                                           VASurfaceID reference,
                                           const PictureOrder& reference_order);

h264::SliceHeader slice_header(const RenditionHeaders& h, const PictureOrder& order);

// A packed header: the bytes, and exactly how many bits of them count.
struct PackedHeader {
  std::vector<uint8_t> bytes;
  size_t bits = 0;
};
// SPS and PPS NAL units with start codes, emulation prevention applied.
PackedHeader packed_sps(const RenditionHeaders& h);
PackedHeader packed_pps(const RenditionHeaders& h);
// Start code, NAL header byte, the slice header's bits: not byte-aligned, no trailing bits, no
// emulation prevention (the driver appends the slice data and escapes the whole NAL unit).
PackedHeader packed_slice_header(const RenditionHeaders& h, const PictureOrder& order);

}  // namespace gearbox::vaapi
