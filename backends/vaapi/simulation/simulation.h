// The SIMULATED VA driver: `gearbox_sim_drv_video.so`, a VA-API 1.17 driver (libva 2.17's
// __vaDriverInit_1_17) that lets the whole VA-API path run in CI on machines without a GPU. It is
// a simulation, named so in its vendor string ("gearbox VA-API SIMULATION ...") and in every log
// line ("gearbox VA simulation: ..."): nothing it does is evidence about real hardware beyond
// "gearbox calls VA-API the way va.h documents it".
//
// What it does:
//  - surfaces are host memory (NV12, pitch aligned to 64); vaDeriveImage maps them directly,
//    vaCreateImage + vaPutImage/vaGetImage copy; the VPP context scales NV12 -> NV12 with
//    libyuv (bilinear);
//  - the encode context (VAProfileH264High, VAEntrypointEncSlice, packed SPS/PPS/slice headers)
//    encodes every picture with libx264 configured so its slice data fits the application's
//    SPS/PPS (CABAC, 8x8 transform, one reference, no B-frames, no weighted prediction, no psy,
//    deblocking 0:0, one slice, IDR exactly when idr_pic_flag says, bitrate and VBV from the
//    misc buffers), then outputs the application's packed SPS and PPS as given and its packed
//    slice header with only slice_qp_delta replaced (the QP x264's rate control chose), followed
//    by cabac_alignment_one_bits and x264's CABAC slice data: the model of what hardware does
//    with a packed slice header under its bitrate control;
//  - every call is checked the way va.h describes it; a misuse returns the status listed below,
//    is logged as "gearbox VA simulation: violation: ..." and counted.
//
// The checks (status returned):
//  - object lifecycles: configs, contexts, surfaces, buffers, images; an id of the wrong kind,
//    unknown, or used after destroy (ids are never reused, so a use after destroy is told apart)
//    -> VA_STATUS_ERROR_INVALID_CONFIG / _CONTEXT / _SURFACE / _BUFFER / _IMAGE; a mapped buffer
//    destroyed, a surface destroyed while an image derived from it lives -> _SURFACE_BUSY
//    (surface) or a violation with success (buffer);
//  - buffer types allowed for the context's entrypoint -> VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE;
//  - Begin/Render/End pairing (Render or End without Begin, Begin twice)
//    -> VA_STATUS_ERROR_OPERATION_FAILED;
//  - encode parameters: input surface size vs the context, MB counts vs the SPS, level limits
//    (MaxFS, MaxMBPS at the frame rate, Table A-1), max_num_ref_frames <= 1, a P picture whose
//    reference is not the previous reconstructed picture, idr_pic_flag with frame_num 0 and an
//    idr_pic_id that differs from the previous IDR's, frame_num incrementing by one, the
//    rate-control and HRD misc buffers on the first IDR for CBR/VBR, the packed headers parsed
//    as H.264 (h264::parse_*) and agreeing with the sequence/picture/slice buffers
//    -> VA_STATUS_ERROR_INVALID_PARAMETER;
//  - vaMapBuffer of a coded buffer before vaSyncSurface on its picture's input surface
//    -> VA_STATUS_ERROR_SURFACE_BUSY (real drivers wait in vaMapBuffer; the simulation insists
//    on the explicit sync the backend promises);
//  - VPP regions inside their surfaces -> VA_STATUS_ERROR_INVALID_PARAMETER.
//  Application parameters that x264's slice data cannot follow (CAVLC, no 8x8 transform,
//  chroma_qp_index_offset != 0, weighted prediction, deblocking offsets, several slices, more
//  references) -> VA_STATUS_ERROR_INVALID_PARAMETER "the simulation models only ...", not
//  counted as violations.
//
// What it does not model: decoding, B-frames, interlace, several slices, ROI, quality levels,
// timing (everything finishes inside vaEndPicture), memory types other than VA's own, DRM PRIME
// export, GPU memory limits, hardware rate-control behaviour (x264's ABR/VBV stands in), and
// any vendor's quirks. The minimum encode size is the simulation's own 32x32.
//
// How it gets in: libva opens only DRM fds. The render node is a regular file
// `${GEARBOX_VAAPI_SIMULATION_DIR}/dri/renderD128`; libva-drm 2.17 calls libdrm's
// drmGetNodeTypeFromFd() on it in vaGetDisplayDRM, which the DRM shim (drm_shim.cpp) answers
// with DRM_NODE_RENDER. LIBVA_DRIVER_NAME=gearbox_sim and LIBVA_DRIVERS_PATH name the driver;
// see drm_shim.cpp for why nothing else of libdrm needs shimming.
//
// Settings, read from the environment when the driver is loaded, then replaced by every
// gearbox_vaapi_simulation_configure() call:
//   GEARBOX_SIM_VAAPI_FAIL   comma-separated failures to simulate:
//                            no_encode      VAProfileH264High offers VAEntrypointVLD only (what
//                                           NVIDIA's VA driver reports), no EncSlice
//                            no_vpp         no VAEntrypointVideoProc (and no VAProfileNone)
//                            no_derive      vaDeriveImage returns VA_STATUS_ERROR_OPERATION_FAILED
//                            max_size:WxH   the largest picture (attributes, surfaces, contexts:
//                                           VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED)
//                            context_limit:N  the N+1-th live encode context:
//                                           VA_STATUS_ERROR_ALLOCATION_FAILED
//                            device_lost    vaBeginPicture/vaEndPicture return
//                                           VA_STATUS_ERROR_HW_BUSY
//                            no_packed_headers  VAConfigAttribEncPackedHeaders offers
//                                           VA_ENC_PACKED_HEADER_NONE (as some of Mesa's drivers
//                                           do); a packed header buffer is then refused
//                                           (VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE, a violation)
//                                           and the driver writes its own SPS/PPS (on IDRs) and
//                                           slice headers from the parameter buffers, its SPS
//                                           with log2_max_frame_num_minus4 0 (frame_num modulo
//                                           16) where the buffer says otherwise
//                            init_fails     __vaDriverInit_1_17 returns
//                                           VA_STATUS_ERROR_OPERATION_FAILED (vaInitialize fails)
//   GEARBOX_SIM_VAAPI_STRICT=1  exit with status 70 at process end if any violation happened
#pragma once

#include <string>

// The driver is built with hidden visibility; these are its exports (with __vaDriverInit_1_17).
#define GEARBOX_VAAPI_SIMULATION_EXPORT __attribute__((visibility("default")))

extern "C" {
// Marks a loaded driver as this simulation.
GEARBOX_VAAPI_SIMULATION_EXPORT extern const char gearbox_vaapi_simulation[];
// For tests: the failures to simulate (GEARBOX_SIM_VAAPI_FAIL's syntax; "" or nullptr for none)
// and strict mode (non-zero: as GEARBOX_SIM_VAAPI_STRICT=1), both replaced.
GEARBOX_VAAPI_SIMULATION_EXPORT void gearbox_vaapi_simulation_configure(const char* failures,
                                                                        int strict);
// For tests: violations so far, and the text of the last one ("" when none).
GEARBOX_VAAPI_SIMULATION_EXPORT int gearbox_vaapi_simulation_violation_count(void);
GEARBOX_VAAPI_SIMULATION_EXPORT const char* gearbox_vaapi_simulation_last_violation(void);
}

namespace gearbox::vaapi::simulation {

// Whether failure `name` is to be simulated, and its value ("" when given without one).
bool failure_requested(const char* name, std::string* value = nullptr);
// A line on stderr starting "gearbox VA simulation: ".
void log_line(const std::string& text);
// Logs "violation: <message>", counts it, and returns `status` (for `return violation(...)`).
int violation(int status, const std::string& message);
// The largest picture (4096x4096, or max_size).
void max_size(int* width, int* height);

}  // namespace gearbox::vaapi::simulation
