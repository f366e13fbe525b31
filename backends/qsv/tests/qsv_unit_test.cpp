// The Quick Sync backend's parts that need no oneVPL runtime: the parameters the encoder asks
// for (H.264 High, CBR/VBR with the HRD, BRCParamMultiplier, no GOP of the runtime's own, no
// B-frames), the comparison of Query's corrections, the status names, and the typed failures
// that happen before any runtime answers (no dispatcher, no Intel GPU).
#include <gtest/gtest.h>

#include <string>

#include "qsv_backend.h"
#include "qsv_encoder.h"
#include "qsv_options.h"
#include "qsv_platform.h"
#include "qsv_status.h"
#include "va_runtime.h"
#include "vpl_runtime.h"

namespace gearbox {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

EncoderConfig config_of(int64_t kbps, const std::string& rc = "cbr") {
  EncoderConfig c;
  c.width = 640;
  c.height = 360;
  c.frame_rate = {30000, 1001};
  c.bitrate_kbps = kbps;
  c.rate_control.vbv_maxrate_factor = 1.5;
  c.rate_control.vbv_buffer_seconds = 2.0;
  c.backend_options["qsv.rate_control"] = rc;
  return c;
}

TEST(QsvParams, CbrIsHighProfileWithTheHrdAndNoGopOfItsOwn) {
  auto p = qsv::encoder_params(config_of(1200));
  ASSERT_TRUE(p.ok()) << p.error().message;
  const mfxInfoMFX& m = p->mfx;
  EXPECT_EQ(m.CodecId, static_cast<mfxU32>(MFX_CODEC_AVC));
  EXPECT_EQ(m.CodecProfile, MFX_PROFILE_AVC_HIGH);
  EXPECT_EQ(m.RateControlMethod, MFX_RATECONTROL_CBR);
  EXPECT_EQ(m.BRCParamMultiplier, 1);
  EXPECT_EQ(m.TargetKbps, 1200);
  EXPECT_EQ(m.MaxKbps, 1200);        // CBR: the peak is the target
  EXPECT_EQ(m.BufferSizeInKB, 300);  // 1200 kbit/s x 2 s = 2400 kbit = 300 kB
  EXPECT_EQ(m.InitialDelayInKB, 300);
  EXPECT_EQ(m.GopPicSize, 0xFFFF);
  EXPECT_EQ(m.IdrInterval, 0xFFFF);
  EXPECT_EQ(m.GopRefDist, 1);
  EXPECT_EQ(m.GopOptFlag, MFX_GOP_CLOSED);
  EXPECT_EQ(m.FrameInfo.FourCC, static_cast<mfxU32>(MFX_FOURCC_NV12));
  EXPECT_EQ(m.FrameInfo.Width, 640);
  EXPECT_EQ(m.FrameInfo.Height, 368);  // video memory: a multiple of 16
  EXPECT_EQ(m.FrameInfo.CropW, 640);
  EXPECT_EQ(m.FrameInfo.CropH, 360);
  EXPECT_EQ(m.FrameInfo.FrameRateExtN, 30000u);
  EXPECT_EQ(m.FrameInfo.FrameRateExtD, 1001u);
  EXPECT_EQ(p->IOPattern, MFX_IOPATTERN_IN_VIDEO_MEMORY);
  EXPECT_GE(p->AsyncDepth, 1);
}

TEST(QsvParams, VbrPeaksAtTheMaxrateFactor) {
  auto p = qsv::encoder_params(config_of(2000, "vbr"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->mfx.RateControlMethod, MFX_RATECONTROL_VBR);
  EXPECT_EQ(p->mfx.TargetKbps, 2000);
  EXPECT_EQ(p->mfx.MaxKbps, 3000);
  EXPECT_EQ(p->mfx.BufferSizeInKB, 500);
}

TEST(QsvParams, LargeRatesUseTheBrcMultiplier) {
  // 100 Mbit/s peak 150: MaxKbps does not fit 16 bits, so every BRC value is divided.
  auto p = qsv::encoder_params(config_of(100000, "vbr"));
  ASSERT_TRUE(p.ok());
  const mfxInfoMFX& m = p->mfx;
  ASSERT_EQ(m.BRCParamMultiplier, 3);  // ceil(150000 / 65535)
  EXPECT_NEAR(m.TargetKbps * 3.0, 100000.0, 3.0);
  EXPECT_NEAR(m.MaxKbps * 3.0, 150000.0, 3.0);
  EXPECT_NEAR(m.BufferSizeInKB * 3.0, 25000.0, 3.0);
}

TEST(QsvCorrections, FieldsThatMatterAreErrorsTheOthersWarnings) {
  auto asked = qsv::encoder_params(config_of(1200));
  ASSERT_TRUE(asked.ok());
  mfxVideoParam got = asked.value();
  EXPECT_TRUE(qsv::corrections(asked.value(), got).empty());
  got.mfx.TargetKbps = 1000;
  got.mfx.TargetUsage = MFX_TARGETUSAGE_BEST_SPEED;
  const auto list = qsv::corrections(asked.value(), got);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].field, "TargetKbps");
  EXPECT_TRUE(list[0].matters);
  EXPECT_EQ(list[0].text(), "TargetKbps 1200 -> 1000");
  EXPECT_EQ(list[1].field, "TargetUsage");
  EXPECT_FALSE(list[1].matters);
}

TEST(QsvCorrections, TheMultiplierAloneChangesNothing) {
  auto asked = qsv::encoder_params(config_of(1200));
  ASSERT_TRUE(asked.ok());
  mfxVideoParam got = asked.value();
  got.mfx.BRCParamMultiplier = 2;  // the same rates, counted in units of 2 kbit/s
  got.mfx.TargetKbps = 600;
  got.mfx.MaxKbps = 600;
  got.mfx.BufferSizeInKB = 150;
  got.mfx.InitialDelayInKB = 150;
  EXPECT_TRUE(qsv::corrections(asked.value(), got).empty());
}

TEST(QsvCorrections, SizeProfileRateControlAndGopMatter) {
  auto asked = qsv::encoder_params(config_of(1200));
  ASSERT_TRUE(asked.ok());
  for (auto change : {+[](mfxVideoParam& p) { p.mfx.FrameInfo.Width = 320; },
                      +[](mfxVideoParam& p) { p.mfx.CodecProfile = MFX_PROFILE_AVC_MAIN; },
                      +[](mfxVideoParam& p) { p.mfx.RateControlMethod = MFX_RATECONTROL_VBR; },
                      +[](mfxVideoParam& p) { p.mfx.GopPicSize = 250; },
                      +[](mfxVideoParam& p) { p.mfx.GopRefDist = 3; },
                      +[](mfxVideoParam& p) { p.mfx.IdrInterval = 0; }}) {
    mfxVideoParam got = asked.value();
    change(got);
    const auto list = qsv::corrections(asked.value(), got);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].matters) << list[0].field;
  }
}

TEST(QsvStatus, NamesAndClasses) {
  EXPECT_EQ(qsv::status_name(MFX_ERR_UNSUPPORTED), "MFX_ERR_UNSUPPORTED");
  EXPECT_EQ(qsv::status_name(MFX_WRN_INCOMPATIBLE_VIDEO_PARAM), "MFX_WRN_INCOMPATIBLE_VIDEO_PARAM");
  EXPECT_EQ(qsv::status_name(static_cast<mfxStatus>(-999)), "mfxStatus -999");
  EXPECT_EQ(qsv::classify(MFX_ERR_DEVICE_LOST), ErrorCode::kDeviceLost);
  EXPECT_EQ(qsv::classify(MFX_ERR_GPU_HANG), ErrorCode::kDeviceLost);
  EXPECT_EQ(qsv::classify(MFX_ERR_UNSUPPORTED), ErrorCode::kUnsupported);
  EXPECT_EQ(qsv::classify(MFX_ERR_MEMORY_ALLOC), ErrorCode::kBackendFailure);
  const Error e = qsv::vpl_failure("MFXVideoENCODE_Init", MFX_ERR_DEVICE_LOST, "here");
  EXPECT_EQ(e.code, ErrorCode::kDeviceLost);
  EXPECT_TRUE(contains(e.message, "MFXVideoENCODE_Init returned MFX_ERR_DEVICE_LOST (-13) on here"))
      << e.message;
}

TEST(QsvImplementations, OnlyTheMediaSdkAnsweringIsAGpuTooOldForOneVpl) {
  qsv::Implementation msdk;
  msdk.name = "mfxhw64";
  msdk.api_major = 1;
  msdk.api_minor = 35;
  msdk.impl = MFX_IMPL_TYPE_HARDWARE;
  msdk.acceleration = MFX_ACCEL_MODE_VIA_VAAPI;
  msdk.path = "/usr/lib/x86_64-linux-gnu/libmfxhw64.so.1";
  const Error e = qsv::explain_no_implementation({msdk}, {msdk}, "libvpl.so.2");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(e.message, "only the Intel Media SDK runtime (libmfxhw64, API 1.x)"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "too old for oneVPL")) << e.message;
  EXPECT_TRUE(contains(e.message, "API 1.35")) << e.message;
  EXPECT_TRUE(contains(e.message, "--backend vaapi")) << e.message;
}

TEST(QsvImplementations, NothingAnsweringIsNoRuntimeNamingThePackages) {
  const Error e = qsv::explain_no_implementation({}, {}, "libvpl.so.2");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(e.message, "no oneVPL runtime")) << e.message;
  EXPECT_TRUE(contains(e.message, "found no implementation at all")) << e.message;
  EXPECT_TRUE(contains(e.message, "libmfx-gen1.2")) << e.message;
  EXPECT_TRUE(contains(e.message, "intel-media-va-driver")) << e.message;
}

TEST(QsvImplementations, ASoftwareOnlyRuntimeIsUnsupported) {
  qsv::Implementation cpu;
  cpu.name = "oneAPI VPL CPU";
  cpu.api_major = 2;
  cpu.api_minor = 8;
  cpu.impl = MFX_IMPL_TYPE_SOFTWARE;
  const Error e = qsv::explain_no_implementation({}, {cpu}, "libvpl.so.2");
  EXPECT_EQ(e.code, ErrorCode::kUnsupported);
  EXPECT_TRUE(contains(e.message, "software")) << e.message;
  EXPECT_TRUE(contains(e.message, "without a hardware H.264 encoder")) << e.message;
}

TEST(QsvOptions, DeviceAndRateControl) {
  const auto specs = qsv::option_specs();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].flag, "--qsv-device");
  EXPECT_EQ(specs[1].flag, "--qsv-rc");
  EXPECT_EQ(qsv::QsvSettings::from({}).rate_control, "cbr");
  EXPECT_EQ(qsv::QsvSettings::from({}).device, "");
  // Without --qsv-device the VA-API device option names the GPU; --qsv-device wins.
  EXPECT_EQ(qsv::QsvSettings::from({{"vaapi.device", "/dev/dri/renderD129"}}).device,
            "/dev/dri/renderD129");
  EXPECT_EQ(qsv::QsvSettings::from(
                {{"vaapi.device", "/dev/dri/renderD129"}, {"qsv.device", "/dev/dri/renderD128"}})
                .device,
            "/dev/dri/renderD128");
}

TEST(QsvBackend, NoDispatcherNamesThePackages) {
  auto backend =
      make_qsv_backend(qsv::dispatcher("libgearbox-no-such-dispatcher.so.2"),
                       vaapi::system_runtime(), [] { return std::vector<std::string>{}; });
  const BackendInfo info = backend->probe();
  EXPECT_FALSE(info.available);
  EXPECT_TRUE(contains(info.reason, "libgearbox-no-such-dispatcher.so.2 cannot be loaded"))
      << info.reason;
  EXPECT_TRUE(contains(info.reason, "libvpl2")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "libmfx-gen1.2")) << info.reason;
  EXPECT_TRUE(contains(info.reason, "intel-media-va-driver")) << info.reason;
  DeviceOptions options;
  options.width = 64;
  options.height = 64;
  auto device = backend->open(options);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
}

TEST(QsvBackend, NoRenderNodeIsNoIntelGpu) {
  auto backend = make_qsv_backend(qsv::dispatcher(), vaapi::system_runtime(),
                                  [] { return std::vector<std::string>{}; });
  DeviceOptions options;
  options.width = 64;
  options.height = 64;
  auto device = backend->open(options);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(device.error().message, "Quick Sync needs an Intel GPU"))
      << device.error().message;
  EXPECT_TRUE(contains(device.error().message, "no DRM render node")) << device.error().message;
}

TEST(QsvBackend, AMissingDeviceOptionIsExplained) {
  auto backend = make_qsv_backend(qsv::dispatcher(), vaapi::system_runtime(),
                                  [] { return std::vector<std::string>{}; });
  DeviceOptions options;
  options.width = 64;
  options.height = 64;
  options.backend_options["qsv.device"] = "/nonexistent/renderD129";
  auto device = backend->open(options);
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(contains(device.error().message, "/nonexistent/renderD129 cannot be opened"))
      << device.error().message;
}

}  // namespace
}  // namespace gearbox
