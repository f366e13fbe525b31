// The simulated VA driver through Debian's real libva on the fake render node: what it offers,
// the failures it simulates, the misuses it catches, and the H.264 it makes (decoded by
// libavcodec) and the scaling it does (against libswscale).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <va/va.h>
#include <va/va_vpp.h>
#include <xf86drm.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include <libswscale/swscale.h>
}

#include "h264_syntax.h"
#include "media_reader.h"
#include "temp_dir.h"
#include "va_test_session.h"
#include "vaapi_simulation_support.h"

namespace gearbox::vaapi::simulation::testing {
namespace {

namespace h264 = gearbox::vaapi::h264;

class SimulatedDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(control_.found()) << control_.error();
    control_.configure("", false);
  }
  void TearDown() override { control_.configure("", false); }
  // Violations since the test began.
  int violations() const { return control_.violation_count() - start_; }

  Control control_;
  int start_ = control_.violation_count();
};

TEST_F(SimulatedDriver, TheShimAnswersRenderForTheFakeNodeOnlyAndLeavesOtherFdsToLibdrm) {
  const int node = open(render_node().c_str(), O_RDWR);
  ASSERT_GE(node, 0);
  EXPECT_EQ(drmGetNodeTypeFromFd(node), DRM_NODE_RENDER);
  close(node);
  const std::string other = gearbox::testing::temp_dir("vaapi-shim");
  std::filesystem::create_directories(other);
  gearbox::testing::write_file(other + "/card0", "");
  const int file = open((other + "/card0").c_str(), O_RDONLY);
  ASSERT_GE(file, 0);
  EXPECT_LT(drmGetNodeTypeFromFd(file), 0);  // libdrm's answer for a non-DRM file
  close(file);
  const int null = open("/dev/null", O_RDONLY);
  EXPECT_LT(drmGetNodeTypeFromFd(null), 0);
  close(null);
}

TEST_F(SimulatedDriver, InitialisesThroughLibvaOnTheFakeNodeAndSaysItIsASimulation) {
  Display display;
  ASSERT_TRUE(display.ok()) << vaErrorStr(display.init_status());
  const std::string vendor = vaQueryVendorString(display.get());
  EXPECT_EQ(vendor.rfind("gearbox VA-API SIMULATION", 0), 0u) << vendor;
  EXPECT_EQ(violations(), 0);
}

TEST_F(SimulatedDriver, OffersH264HighEncSliceAndVideoProcWithTheAttributesOfTheInterface) {
  Display display;
  ASSERT_TRUE(display.ok());
  std::vector<VAProfile> profiles(static_cast<size_t>(vaMaxNumProfiles(display.get())));
  int count = 0;
  ASSERT_EQ(vaQueryConfigProfiles(display.get(), profiles.data(), &count), VA_STATUS_SUCCESS);
  profiles.resize(static_cast<size_t>(count));
  EXPECT_NE(std::find(profiles.begin(), profiles.end(), VAProfileH264High), profiles.end());
  EXPECT_NE(std::find(profiles.begin(), profiles.end(), VAProfileNone), profiles.end());

  std::vector<VAEntrypoint> entrypoints(static_cast<size_t>(vaMaxNumEntrypoints(display.get())));
  ASSERT_EQ(vaQueryConfigEntrypoints(display.get(), VAProfileH264High, entrypoints.data(), &count),
            VA_STATUS_SUCCESS);
  ASSERT_EQ(count, 1);
  EXPECT_EQ(entrypoints[0], VAEntrypointEncSlice);
  ASSERT_EQ(vaQueryConfigEntrypoints(display.get(), VAProfileNone, entrypoints.data(), &count),
            VA_STATUS_SUCCESS);
  ASSERT_EQ(count, 1);
  EXPECT_EQ(entrypoints[0], VAEntrypointVideoProc);

  VAConfigAttrib attribs[] = {
      {VAConfigAttribRTFormat, 0},         {VAConfigAttribRateControl, 0},
      {VAConfigAttribEncPackedHeaders, 0}, {VAConfigAttribEncMaxRefFrames, 0},
      {VAConfigAttribEncMaxSlices, 0},     {VAConfigAttribMaxPictureWidth, 0},
      {VAConfigAttribMaxPictureHeight, 0}};
  ASSERT_EQ(
      vaGetConfigAttributes(display.get(), VAProfileH264High, VAEntrypointEncSlice, attribs, 7),
      VA_STATUS_SUCCESS);
  EXPECT_EQ(attribs[0].value, static_cast<uint32_t>(VA_RT_FORMAT_YUV420));
  EXPECT_EQ(attribs[1].value, static_cast<uint32_t>(VA_RC_CBR | VA_RC_VBR | VA_RC_CQP));
  EXPECT_EQ(attribs[2].value,
            static_cast<uint32_t>(VA_ENC_PACKED_HEADER_SEQUENCE | VA_ENC_PACKED_HEADER_PICTURE |
                                  VA_ENC_PACKED_HEADER_SLICE));
  EXPECT_EQ(attribs[3].value, 1u);  // 1 in L0, 0 in L1
  EXPECT_EQ(attribs[4].value, 1u);
  EXPECT_EQ(attribs[5].value, 4096u);
  EXPECT_EQ(attribs[6].value, 4096u);
  EXPECT_EQ(violations(), 0);
}

TEST_F(SimulatedDriver, NoEncodeLeavesH264HighWithoutEncSlice) {
  control_.configure("no_encode", false);
  Display display;
  ASSERT_TRUE(display.ok());
  std::vector<VAEntrypoint> entrypoints(static_cast<size_t>(vaMaxNumEntrypoints(display.get())));
  int count = 0;
  ASSERT_EQ(vaQueryConfigEntrypoints(display.get(), VAProfileH264High, entrypoints.data(), &count),
            VA_STATUS_SUCCESS);
  for (int i = 0; i < count; ++i)
    EXPECT_NE(entrypoints[static_cast<size_t>(i)], VAEntrypointEncSlice);
  VAConfigID config;
  EXPECT_EQ(
      vaCreateConfig(display.get(), VAProfileH264High, VAEntrypointEncSlice, nullptr, 0, &config),
      VA_STATUS_ERROR_UNSUPPORTED_ENTRYPOINT);
}

TEST_F(SimulatedDriver, InitFailsMakesVaInitializeFail) {
  control_.configure("init_fails", false);
  Display display;
  EXPECT_NE(display.init_status(), VA_STATUS_SUCCESS);
}

TEST_F(SimulatedDriver, MaxSizeLimitsTheAttributesAndRefusesLargerContexts) {
  control_.configure("max_size:640x360", false);
  Display display;
  ASSERT_TRUE(display.ok());
  VAConfigAttrib attribs[] = {{VAConfigAttribMaxPictureWidth, 0},
                              {VAConfigAttribMaxPictureHeight, 0}};
  ASSERT_EQ(
      vaGetConfigAttributes(display.get(), VAProfileH264High, VAEntrypointEncSlice, attribs, 2),
      VA_STATUS_SUCCESS);
  EXPECT_EQ(attribs[0].value, 640u);
  EXPECT_EQ(attribs[1].value, 360u);
  EncodeSession big(display.get(), 1280, 720, VA_RC_CBR, 1000000);
  EXPECT_EQ(big.status(), VA_STATUS_ERROR_RESOLUTION_NOT_SUPPORTED);
  EncodeSession fits(display.get(), 640, 360, VA_RC_CBR, 1000000);
  EXPECT_EQ(fits.status(), VA_STATUS_SUCCESS);
}

TEST_F(SimulatedDriver, ContextLimitRefusesTheEncodeContextPastIt) {
  control_.configure("context_limit:1", false);
  Display display;
  ASSERT_TRUE(display.ok());
  EncodeSession first(display.get(), 64, 64, VA_RC_CBR, 100000);
  EXPECT_EQ(first.status(), VA_STATUS_SUCCESS);
  EncodeSession second(display.get(), 64, 64, VA_RC_CBR, 100000);
  EXPECT_EQ(second.status(), VA_STATUS_ERROR_ALLOCATION_FAILED);
}

// no_packed_headers: the driver asks for none and then takes none (it writes its own headers).
TEST_F(SimulatedDriver, NoPackedHeadersOffersNoneAndRefusesAPackedHeaderBuffer) {
  control_.configure("no_packed_headers", false);
  Display display;
  ASSERT_TRUE(display.ok());
  VAConfigAttrib packed{VAConfigAttribEncPackedHeaders, 0xffffffffu};
  ASSERT_EQ(
      vaGetConfigAttributes(display.get(), VAProfileH264High, VAEntrypointEncSlice, &packed, 1),
      VA_STATUS_SUCCESS);
  EXPECT_EQ(packed.value, static_cast<uint32_t>(VA_ENC_PACKED_HEADER_NONE));
  VAConfigAttrib attribs[] = {{VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420},
                              {VAConfigAttribRateControl, VA_RC_CBR}};
  VAConfigID config;
  ASSERT_EQ(
      vaCreateConfig(display.get(), VAProfileH264High, VAEntrypointEncSlice, attribs, 2, &config),
      VA_STATUS_SUCCESS);
  VASurfaceID recon[2];
  ASSERT_EQ(vaCreateSurfaces(display.get(), VA_RT_FORMAT_YUV420, 64, 64, recon, 2, nullptr, 0),
            VA_STATUS_SUCCESS);
  VAContextID context;
  ASSERT_EQ(vaCreateContext(display.get(), config, 64, 64, VA_PROGRESSIVE, recon, 2, &context),
            VA_STATUS_SUCCESS);
  EXPECT_EQ(violations(), 0) << control_.last_violation();
  VAEncPackedHeaderParameterBuffer header{};
  header.type = VAEncPackedHeaderSequence;
  VABufferID buffer = VA_INVALID_ID;
  EXPECT_EQ(vaCreateBuffer(display.get(), context, VAEncPackedHeaderParameterBufferType,
                           sizeof header, 1, &header, &buffer),
            VA_STATUS_ERROR_UNSUPPORTED_BUFFERTYPE);
  EXPECT_EQ(violations(), 1);
  EXPECT_NE(control_.last_violation().find("enabled no packed headers"), std::string::npos)
      << control_.last_violation();
  // Asking for packed headers the driver did not offer is refused too.
  VAConfigAttrib asked[] = {{VAConfigAttribRTFormat, VA_RT_FORMAT_YUV420},
                            {VAConfigAttribRateControl, VA_RC_CBR},
                            {VAConfigAttribEncPackedHeaders, VA_ENC_PACKED_HEADER_SEQUENCE}};
  VAConfigID refused;
  EXPECT_EQ(
      vaCreateConfig(display.get(), VAProfileH264High, VAEntrypointEncSlice, asked, 3, &refused),
      VA_STATUS_ERROR_INVALID_VALUE);
  EXPECT_EQ(violations(), 2);
  vaDestroyContext(display.get(), context);
  vaDestroySurfaces(display.get(), recon, 2);
  vaDestroyConfig(display.get(), config);
}

TEST_F(SimulatedDriver, UseAfterDestroyIsAnInvalidSurfaceAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  VASurfaceID surface;
  ASSERT_EQ(vaCreateSurfaces(display.get(), VA_RT_FORMAT_YUV420, 64, 64, &surface, 1, nullptr, 0),
            VA_STATUS_SUCCESS);
  ASSERT_EQ(vaDestroySurfaces(display.get(), &surface, 1), VA_STATUS_SUCCESS);
  VAImage image;
  EXPECT_EQ(vaDeriveImage(display.get(), surface, &image), VA_STATUS_ERROR_INVALID_SURFACE);
  EXPECT_EQ(violations(), 1);
  EXPECT_NE(control_.last_violation().find("used after vaDestroySurfaces"), std::string::npos)
      << control_.last_violation();
}

TEST_F(SimulatedDriver, RenderWithoutBeginIsOperationFailedAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  EncodeSession session(display.get(), 64, 64, VA_RC_CBR, 100000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  VAEncPictureParameterBufferH264 pic{};
  VABufferID buffer;
  ASSERT_EQ(vaCreateBuffer(display.get(), session.context(), VAEncPictureParameterBufferType,
                           sizeof pic, 1, &pic, &buffer),
            VA_STATUS_SUCCESS);
  EXPECT_EQ(vaRenderPicture(display.get(), session.context(), &buffer, 1),
            VA_STATUS_ERROR_OPERATION_FAILED);
  EXPECT_EQ(violations(), 1);
  vaDestroyBuffer(display.get(), buffer);
}

TEST_F(SimulatedDriver, MapOfACodedBufferBeforeSyncIsSurfaceBusyAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  EncodeSession session(display.get(), 64, 64, VA_RC_CBR, 200000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  Misuse misuse;
  misuse.map_before_sync = true;
  EXPECT_EQ(session.encode(test_picture(64, 64, 0), true, misuse), VA_STATUS_ERROR_SURFACE_BUSY);
  EXPECT_EQ(violations(), 1);
}

TEST_F(SimulatedDriver,
       APictureWhoseReferenceIsNotThePreviousOneIsInvalidParameterAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  EncodeSession session(display.get(), 64, 64, VA_RC_CBR, 200000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  ASSERT_EQ(session.encode(test_picture(64, 64, 0), true), VA_STATUS_SUCCESS);
  Misuse misuse;
  misuse.wrong_reference = true;
  EXPECT_EQ(session.encode(test_picture(64, 64, 1), false, misuse),
            VA_STATUS_ERROR_INVALID_PARAMETER);
  EXPECT_EQ(violations(), 1);
  EXPECT_NE(control_.last_violation().find("ReferenceFrames[0]"), std::string::npos)
      << control_.last_violation();
}

TEST_F(SimulatedDriver,
       APackedSpsThatDisagreesWithTheSequenceBufferIsInvalidParameterAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  EncodeSession session(display.get(), 64, 64, VA_RC_CBR, 200000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  Misuse misuse;
  misuse.sps_level_disagrees = true;
  EXPECT_EQ(session.encode(test_picture(64, 64, 0), true, misuse),
            VA_STATUS_ERROR_INVALID_PARAMETER);
  EXPECT_EQ(violations(), 1);
  EXPECT_NE(control_.last_violation().find("packed SPS: level_idc"), std::string::npos)
      << control_.last_violation();
}

// Encodes `frames` pictures with IDRs at `idrs`, into a file; returns the path.
std::string encode_to_file(VADisplay display,
                           EncodeSession& session,
                           int width,
                           int height,
                           int frames,
                           const std::set<int>& idrs,
                           bool noise,
                           std::vector<Picture>* pictures) {
  for (int i = 0; i < frames; ++i) {
    Picture p = test_picture(width, height, i, noise);
    EXPECT_EQ(session.encode(p, idrs.count(i) > 0), VA_STATUS_SUCCESS) << "picture " << i;
    if (pictures) pictures->push_back(std::move(p));
  }
  (void)display;
  const std::string folder = gearbox::testing::temp_dir("vaapi-simulation");
  std::filesystem::create_directories(folder);
  const std::string path = folder + "/stream-" + std::to_string(session.context()) + ".h264";
  gearbox::testing::write_file(path, std::string(session.stream().begin(), session.stream().end()));
  return path;
}

std::vector<int> idr_positions(const std::vector<uint8_t>& stream) {
  std::vector<int> idrs;
  int picture = 0;
  for (const h264::NalUnit& nal : h264::split_annexb(stream.data(), stream.size())) {
    if (nal.type == h264::kNalSliceIdr) idrs.push_back(picture);
    if (nal.type == h264::kNalSliceIdr || nal.type == h264::kNalSliceNonIdr) ++picture;
  }
  return idrs;
}

TEST_F(SimulatedDriver, EncodesH264ThatLibavcodecDecodesIntoThePicturesWithIdrsExactlyWhereForced) {
  Display display;
  ASSERT_TRUE(display.ok());
  const int width = 320, height = 240;
  EncodeSession session(display.get(), width, height, VA_RC_CBR, 1500000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  std::vector<Picture> pictures;
  const std::string path =
      encode_to_file(display.get(), session, width, height, 12, {0, 5}, false, &pictures);
  EXPECT_EQ(idr_positions(session.stream()), (std::vector<int>{0, 5}));
  const auto decoded = gearbox::testing::decode_all(path, 0, true);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  ASSERT_EQ(decoded.frames.size(), 12u);
  for (size_t i = 0; i < decoded.frames.size(); ++i) {
    EXPECT_EQ(decoded.frames[i].width, width);
    EXPECT_EQ(decoded.frames[i].height, height);
    const double quality = gearbox::testing::psnr(decoded.frames[i].luma, pictures[i].luma());
    EXPECT_GT(quality, 30.0) << "picture " << i;
  }
  EXPECT_EQ(violations(), 0) << control_.last_violation();
}

TEST_F(SimulatedDriver, ACroppedSizeDecodesAtItsOwnSize) {
  Display display;
  ASSERT_TRUE(display.ok());
  const int width = 200, height = 114;  // not multiples of 16: frame cropping
  EncodeSession session(display.get(), width, height, VA_RC_VBR, 800000);
  ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
  const std::string path =
      encode_to_file(display.get(), session, width, height, 4, {0}, false, nullptr);
  const auto decoded = gearbox::testing::decode_all(path, 0, false);
  ASSERT_TRUE(decoded.ok) << decoded.error;
  ASSERT_EQ(decoded.frames.size(), 4u);
  EXPECT_EQ(decoded.frames[0].width, width);
  EXPECT_EQ(decoded.frames[0].height, height);
  EXPECT_EQ(violations(), 0) << control_.last_violation();
}

TEST_F(SimulatedDriver, CbrAtTwoBitratesGivesSizesInOrderNearTheTargets) {
  Display display;
  ASSERT_TRUE(display.ok());
  const int width = 320, height = 240, frames = 50, fps = 25;
  std::vector<double> rates;
  for (uint32_t target : {300000u, 1200000u}) {
    EncodeSession session(display.get(), width, height, VA_RC_CBR, target, fps);
    ASSERT_EQ(session.status(), VA_STATUS_SUCCESS);
    encode_to_file(display.get(), session, width, height, frames, {0}, true, nullptr);
    const double rate = session.stream().size() * 8.0 * fps / frames;
    EXPECT_GT(rate, 0.6 * target) << "target " << target;
    EXPECT_LT(rate, 1.4 * target) << "target " << target;
    rates.push_back(rate);
  }
  EXPECT_LT(rates[0], rates[1]);
  EXPECT_EQ(violations(), 0) << control_.last_violation();
}

TEST_F(SimulatedDriver, UploadsThroughCreateAndPutImageWhenDeriveIsRefused) {
  control_.configure("no_derive", false);
  Display display;
  ASSERT_TRUE(display.ok());
  VASurfaceID surface;
  ASSERT_EQ(vaCreateSurfaces(display.get(), VA_RT_FORMAT_YUV420, 96, 64, &surface, 1, nullptr, 0),
            VA_STATUS_SUCCESS);
  VAImage image;
  EXPECT_EQ(vaDeriveImage(display.get(), surface, &image), VA_STATUS_ERROR_OPERATION_FAILED);
  const Picture picture = test_picture(96, 64, 3);
  ASSERT_EQ(upload(display.get(), surface, picture), VA_STATUS_SUCCESS);
  EXPECT_EQ(download_luma(display.get(), surface, 96, 64), picture.luma());
  vaDestroySurfaces(display.get(), &surface, 1);
  EXPECT_EQ(violations(), 0) << control_.last_violation();
}

struct Vpp {
  VADisplay display;
  VAConfigID config = VA_INVALID_ID;
  VAContextID context = VA_INVALID_ID;
  VASurfaceID input = VA_INVALID_SURFACE, output = VA_INVALID_SURFACE;
  Vpp(VADisplay d, int in_w, int in_h, int out_w, int out_h) : display(d) {
    EXPECT_EQ(vaCreateConfig(display, VAProfileNone, VAEntrypointVideoProc, nullptr, 0, &config),
              VA_STATUS_SUCCESS);
    EXPECT_EQ(vaCreateSurfaces(display, VA_RT_FORMAT_YUV420, in_w, in_h, &input, 1, nullptr, 0),
              VA_STATUS_SUCCESS);
    EXPECT_EQ(vaCreateSurfaces(display, VA_RT_FORMAT_YUV420, out_w, out_h, &output, 1, nullptr, 0),
              VA_STATUS_SUCCESS);
    EXPECT_EQ(vaCreateContext(display, config, out_w, out_h, VA_PROGRESSIVE, &output, 1, &context),
              VA_STATUS_SUCCESS);
  }
  ~Vpp() {
    vaDestroyContext(display, context);
    vaDestroySurfaces(display, &input, 1);
    vaDestroySurfaces(display, &output, 1);
    vaDestroyConfig(display, config);
  }
  VAStatus scale(const VARectangle& in, const VARectangle& out) {
    VAStatus st = vaBeginPicture(display, context, output);
    if (st) return st;
    VAProcPipelineParameterBuffer p{};
    p.surface = input;
    p.surface_region = &in;
    p.output_region = &out;
    p.filter_flags = VA_FILTER_SCALING_DEFAULT;
    VABufferID buffer;
    st = vaCreateBuffer(display, context, VAProcPipelineParameterBufferType, sizeof p, 1, &p,
                        &buffer);
    if (st == VA_STATUS_SUCCESS) st = vaRenderPicture(display, context, &buffer, 1);
    const VAStatus end = vaEndPicture(display, context);
    vaDestroyBuffer(display, buffer);
    return st ? st : end;
  }
};

TEST_F(SimulatedDriver, ScalesLikeLibswscale) {
  Display display;
  ASSERT_TRUE(display.ok());
  Vpp vpp(display.get(), 320, 180, 160, 90);
  const Picture picture = test_picture(320, 180, 7);
  ASSERT_EQ(upload(display.get(), vpp.input, picture), VA_STATUS_SUCCESS);
  ASSERT_EQ(vpp.scale({0, 0, 320, 180}, {0, 0, 160, 90}), VA_STATUS_SUCCESS);
  ASSERT_EQ(vaSyncSurface(display.get(), vpp.output), VA_STATUS_SUCCESS);
  const auto scaled = download_luma(display.get(), vpp.output, 160, 90);

  std::vector<uint8_t> reference(160 * 90);
  SwsContext* sws = sws_getContext(320, 180, AV_PIX_FMT_GRAY8, 160, 90, AV_PIX_FMT_GRAY8,
                                   SWS_BILINEAR, nullptr, nullptr, nullptr);
  ASSERT_NE(sws, nullptr);
  const uint8_t* src[1] = {picture.nv12.data()};
  const int src_stride[1] = {320};
  uint8_t* dst[1] = {reference.data()};
  const int dst_stride[1] = {160};
  sws_scale(sws, src, src_stride, 0, 180, dst, dst_stride);
  sws_freeContext(sws);
  EXPECT_GT(gearbox::testing::psnr(scaled, reference), 30.0);
  EXPECT_EQ(violations(), 0) << control_.last_violation();
}

TEST_F(SimulatedDriver, AVppRegionOutsideTheSurfaceIsInvalidParameterAndOneViolation) {
  Display display;
  ASSERT_TRUE(display.ok());
  Vpp vpp(display.get(), 320, 180, 160, 90);
  EXPECT_EQ(vpp.scale({0, 0, 320, 200}, {0, 0, 160, 90}), VA_STATUS_ERROR_INVALID_PARAMETER);
  EXPECT_EQ(violations(), 1);
  EXPECT_NE(control_.last_violation().find("surface_region"), std::string::npos)
      << control_.last_violation();
}

TEST_F(SimulatedDriver, StrictModeExitsWith70AfterAViolation) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Control control;
        control.configure("", true);
        Display display;
        VASurfaceID never = 0x3000000 | 0xfffff;
        vaDestroySurfaces(display.get(), &never, 1);
        std::exit(0);
      },
      ::testing::ExitedWithCode(70), "violation");
}

TEST_F(SimulatedDriver, StrictModeExitsNormallyWithoutViolations) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Control control;
        control.configure("", true);
        Display display;
        std::exit(display.ok() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace gearbox::vaapi::simulation::testing
