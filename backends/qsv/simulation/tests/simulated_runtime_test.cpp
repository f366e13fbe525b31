// The simulated oneVPL runtime (backends/qsv/simulation/) driven through Debian's dispatcher
// (libvpl): it is found by the filters a Quick Sync backend uses, it encodes H.264 that
// libavcodec decodes with IDRs exactly where asked, and it catches each class of misuse the
// simulation checks (the test calls the API wrongly and asserts the count and the message).
#include <gtest/gtest.h>
#include <vpl/mfx.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "qsv_simulation_support.h"

namespace {

namespace sim = gearbox::qsv::simulation;

// Stands in for a VADisplay: the simulation only stores it.
int fake_display_storage = 0;
mfxHDL fake_display() {
  return &fake_display_storage;
}

mfxVariant u32(mfxU32 value) {
  mfxVariant v{};
  v.Version.Version = MFX_VARIANT_VERSION;
  v.Type = MFX_VARIANT_TYPE_U32;
  v.Data.U32 = value;
  return v;
}

// A loader filtered as a Quick Sync backend filters: hardware, VA-API, an AVC encoder.
mfxLoader filtered_loader() {
  mfxLoader loader = MFXLoad();
  if (!loader) return nullptr;
  const struct {
    const char* name;
    mfxU32 value;
  } filters[] = {
      {"mfxImplDescription.Impl", MFX_IMPL_TYPE_HARDWARE},
      {"mfxImplDescription.AccelerationMode", MFX_ACCEL_MODE_VIA_VAAPI},
      {"mfxImplDescription.mfxEncoderDescription.encoder.CodecID", MFX_CODEC_AVC},
  };
  for (const auto& f : filters) {
    mfxConfig config = MFXCreateConfig(loader);
    if (!config || MFXSetConfigFilterProperty(config, reinterpret_cast<const mfxU8*>(f.name),
                                              u32(f.value)) != MFX_ERR_NONE) {
      MFXUnload(loader);
      return nullptr;
    }
  }
  return loader;
}

// The simulation's index among the loader's implementations (-1: not listed). On this CI machine
// it is the only one; on a machine with a real Intel runtime that one is listed too.
int simulation_index(mfxLoader loader) {
  for (mfxU32 i = 0; i < 16; ++i) {
    mfxHDL desc = nullptr;
    if (MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &desc) != MFX_ERR_NONE)
      return -1;
    const bool found =
        std::string(static_cast<mfxImplDescription*>(desc)->ImplName).find("simulation") !=
        std::string::npos;
    MFXDispReleaseImplDescription(loader, desc);
    if (found) return static_cast<int>(i);
  }
  return -1;
}

bool has_render_node() {
  return access("/dev/dri", F_OK) == 0;
}

mfxVideoParam encoder_params(mfxU16 width = 320, mfxU16 height = 240) {
  mfxVideoParam p{};
  p.mfx.CodecId = MFX_CODEC_AVC;
  p.mfx.CodecProfile = MFX_PROFILE_AVC_HIGH;
  p.mfx.TargetUsage = MFX_TARGETUSAGE_BALANCED;
  p.mfx.RateControlMethod = MFX_RATECONTROL_CBR;
  p.mfx.TargetKbps = 800;
  p.mfx.MaxKbps = 800;
  p.mfx.BufferSizeInKB = 200;
  p.mfx.InitialDelayInKB = 100;
  p.mfx.GopPicSize = 0;  // no IDR of the encoder's own
  p.mfx.GopRefDist = 1;
  p.mfx.NumRefFrame = 1;
  p.mfx.FrameInfo.FourCC = MFX_FOURCC_NV12;
  p.mfx.FrameInfo.ChromaFormat = MFX_CHROMAFORMAT_YUV420;
  p.mfx.FrameInfo.PicStruct = MFX_PICSTRUCT_PROGRESSIVE;
  p.mfx.FrameInfo.Width = width;
  p.mfx.FrameInfo.Height = height;
  p.mfx.FrameInfo.CropW = width;
  p.mfx.FrameInfo.CropH = height;
  p.mfx.FrameInfo.FrameRateExtN = 30;
  p.mfx.FrameInfo.FrameRateExtD = 1;
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY;
  p.AsyncDepth = 1;
  return p;
}

struct NalTypes {
  std::vector<int> types;
  bool has(int type) const {
    for (int t : types)
      if (t == type) return true;
    return false;
  }
};

NalTypes nal_types(const std::vector<uint8_t>& au) {
  NalTypes out;
  for (size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) {
      out.types.push_back(au[i + 3] & 0x1f);
      i += 3;
    }
  }
  return out;
}

// Writes a moving gradient into a runtime surface through Map(MFX_MAP_WRITE).
mfxStatus fill(mfxFrameSurface1* s, int frame) {
  mfxStatus st = s->FrameInterface->Map(s, MFX_MAP_WRITE);
  if (st != MFX_ERR_NONE) return st;
  const mfxU16 pitch = s->Data.Pitch;
  for (int y = 0; y < s->Info.Height; ++y) {
    for (int x = 0; x < s->Info.Width; ++x) {
      s->Data.Y[y * pitch + x] = static_cast<mfxU8>(x + y + frame * 4);
    }
  }
  for (int y = 0; y < s->Info.Height / 2; ++y) {
    for (int x = 0; x < s->Info.Width; ++x) {
      s->Data.UV[y * pitch + x] = static_cast<mfxU8>(128 + ((x + frame) % 16));
    }
  }
  return s->FrameInterface->Unmap(s);
}

class QsvSimulation : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::prepare_environment();
    if (!control_.found()) GTEST_SKIP() << control_.error();
    control_.configure("", false);
  }
  void TearDown() override {
    for (auto it = sessions_.rbegin(); it != sessions_.rend(); ++it) MFXClose(*it);
    for (mfxLoader l : loaders_) MFXUnload(l);
    if (control_.found()) control_.configure("", false);
  }

  // A session on the simulation (through the filtered loader), with the VA display set when
  // `set_handle`.
  mfxSession open_session(bool set_handle = true, mfxStatus* status = nullptr) {
    mfxLoader loader = filtered_loader();
    EXPECT_NE(loader, nullptr);
    if (!loader) return nullptr;
    loaders_.push_back(loader);
    const int index = simulation_index(loader);
    mfxSession session = nullptr;
    const mfxStatus st = index < 0 ? MFX_ERR_NOT_FOUND
                                   : MFXCreateSession(loader, static_cast<mfxU32>(index), &session);
    if (status) *status = st;
    if (st != MFX_ERR_NONE) return nullptr;
    sessions_.push_back(session);
    if (set_handle) {
      EXPECT_EQ(MFXVideoCORE_SetHandle(session, MFX_HANDLE_VA_DISPLAY, fake_display()),
                MFX_ERR_NONE);
    }
    return session;
  }
  void close(mfxSession session) {
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (*it == session) {
        sessions_.erase(it);
        break;
      }
    }
    EXPECT_EQ(MFXClose(session), MFX_ERR_NONE);
  }

  // Counts the violations during `body` and returns the last message.
  template <class F>
  std::string violation_of(F body, int expected = 1) {
    const int before = control_.violation_count();
    body();
    EXPECT_EQ(control_.violation_count() - before, expected);
    return control_.last_violation();
  }

  sim::Control control_;
  std::vector<mfxLoader> loaders_;
  std::vector<mfxSession> sessions_;
};

// --- discovery

TEST_F(QsvSimulation, TheDispatcherFindsTheSimulationByTheBackendsFilters) {
  mfxLoader loader = filtered_loader();
  ASSERT_NE(loader, nullptr);
  loaders_.push_back(loader);
  const int index = simulation_index(loader);
  ASSERT_GE(index, 0) << "the filtered loader does not list the simulation";
  const auto i = static_cast<mfxU32>(index);
  mfxHDL desc = nullptr;
  ASSERT_EQ(MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &desc), MFX_ERR_NONE);
  const auto* d = static_cast<mfxImplDescription*>(desc);
  EXPECT_NE(std::string(d->ImplName).find("simulation"), std::string::npos) << d->ImplName;
  EXPECT_EQ(d->Impl, MFX_IMPL_TYPE_HARDWARE);
  EXPECT_EQ(d->AccelerationMode, MFX_ACCEL_MODE_VIA_VAAPI);
  EXPECT_EQ(d->ApiVersion.Major, 2);
  EXPECT_EQ(d->ApiVersion.Minor, 8);
  EXPECT_EQ(d->VendorID, 0x8086u);
  ASSERT_EQ(d->Enc.NumCodecs, 1);
  EXPECT_EQ(d->Enc.Codecs[0].CodecID, static_cast<mfxU32>(MFX_CODEC_AVC));
  ASSERT_GE(d->Enc.Codecs[0].NumProfiles, 1);
  const auto& mem = d->Enc.Codecs[0].Profiles[0].MemDesc[0];
  EXPECT_EQ(mem.ColorFormats[0], static_cast<mfxU32>(MFX_FOURCC_NV12));
  EXPECT_EQ(mem.Width.Max, 4096u);
  ASSERT_EQ(d->VPP.NumFilters, 1);
  EXPECT_EQ(d->VPP.Filters[0].MemDesc[0].Formats[0].InFormat, static_cast<mfxU32>(MFX_FOURCC_NV12));
  MFXDispReleaseImplDescription(loader, desc);

  mfxHDL path = nullptr;
  ASSERT_EQ(MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLPATH, &path), MFX_ERR_NONE);
  EXPECT_EQ(std::string(static_cast<mfxChar*>(path)), sim::runtime_path());
  MFXDispReleaseImplDescription(loader, path);

  mfxHDL functions = nullptr;
  ASSERT_EQ(MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLEMENTEDFUNCTIONS, &functions),
            MFX_ERR_NONE);
  const auto* f = static_cast<mfxImplementedFunctions*>(functions);
  bool has_encode = false;
  for (mfxU16 i = 0; i < f->NumFunctions; ++i) {
    has_encode =
        has_encode || std::string(f->FunctionsName[i]) == "MFXVideoENCODE_EncodeFrameAsync";
  }
  EXPECT_TRUE(has_encode);
  MFXDispReleaseImplDescription(loader, functions);

  mfxHDL device = nullptr;
  ASSERT_EQ(MFXEnumImplementations(loader, i, MFX_IMPLCAPS_DEVICE_ID_EXTENDED, &device),
            MFX_ERR_NONE);
  const auto* id = static_cast<mfxExtendedDeviceId*>(device);
  EXPECT_EQ(id->VendorID, 0x8086);
  EXPECT_EQ(id->DRMRenderNodeNum, 128u);
  EXPECT_NE(std::string(id->DeviceName).find("SIMULATION"), std::string::npos);
  MFXDispReleaseImplDescription(loader, device);

  // Without a GPU only the simulation is listed: the dispatcher also loads Debian's Media SDK
  // runtime (libmfxhw64.so.1, from the system folder) but drops it, as it finds no render node.
  if (!has_render_node()) {
    EXPECT_EQ(index, 0);
    mfxHDL second = nullptr;
    EXPECT_EQ(MFXEnumImplementations(loader, 1, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &second),
              MFX_ERR_NOT_FOUND);
  }
}

TEST_F(QsvSimulation, WithoutTheSearchPathTheDispatcherDoesNotSeeIt) {
  const std::string saved = std::getenv("ONEVPL_SEARCH_PATH");
  unsetenv("ONEVPL_SEARCH_PATH");
  mfxLoader loader = MFXLoad();
  ASSERT_NE(loader, nullptr);
  for (mfxU32 i = 0; i < 8; ++i) {
    mfxHDL desc = nullptr;
    if (MFXEnumImplementations(loader, i, MFX_IMPLCAPS_IMPLDESCSTRUCTURE, &desc) != MFX_ERR_NONE)
      break;
    EXPECT_EQ(std::string(static_cast<mfxImplDescription*>(desc)->ImplName).find("simulation"),
              std::string::npos);
    MFXDispReleaseImplDescription(loader, desc);
  }
  MFXUnload(loader);
  setenv("ONEVPL_SEARCH_PATH", saved.c_str(), 1);
}

TEST_F(QsvSimulation, ASessionReportsHardwareVaapiAndApi28) {
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxIMPL impl = 0;
  ASSERT_EQ(MFXQueryIMPL(session, &impl), MFX_ERR_NONE);
  EXPECT_EQ(MFX_IMPL_BASETYPE(impl), MFX_IMPL_HARDWARE);
  EXPECT_EQ(impl & MFX_IMPL_VIA_VAAPI, MFX_IMPL_VIA_VAAPI);
  mfxVersion version{};
  ASSERT_EQ(MFXQueryVersion(session, &version), MFX_ERR_NONE);
  EXPECT_EQ(version.Major, 2);
  EXPECT_EQ(version.Minor, 8);
  mfxHDL display = nullptr;
  ASSERT_EQ(MFXVideoCORE_GetHandle(session, MFX_HANDLE_VA_DISPLAY, &display), MFX_ERR_NONE);
  EXPECT_EQ(display, fake_display());
}

// --- encoding

struct Encoded {
  std::vector<uint8_t> data;
  mfxU16 frame_type = 0;
  mfxU64 timestamp = 0;
};

class QsvSimulationEncode : public QsvSimulation {
 protected:
  // Submits one runtime surface (or the drain when `frame` < 0); appends any output.
  mfxStatus submit(mfxSession session,
                   int frame,
                   bool force_idr,
                   std::vector<Encoded>* out,
                   mfxU32 max_length = 0) {
    mfxVideoParam par{};
    EXPECT_EQ(MFXVideoENCODE_GetVideoParam(session, &par), MFX_ERR_NONE);
    mfxFrameSurface1* surface = nullptr;
    if (frame >= 0) {
      mfxStatus st = MFXMemory_GetSurfaceForEncode(session, &surface);
      if (st != MFX_ERR_NONE) return st;
      EXPECT_EQ(fill(surface, frame), MFX_ERR_NONE);
      surface->Data.TimeStamp = static_cast<mfxU64>(frame) * 3000;
    }
    std::vector<uint8_t> buffer(max_length ? max_length : par.mfx.BufferSizeInKB * 1000u);
    mfxBitstream bs{};
    bs.Data = buffer.data();
    bs.MaxLength = static_cast<mfxU32>(buffer.size());
    mfxEncodeCtrl ctrl{};
    ctrl.FrameType = MFX_FRAMETYPE_I | MFX_FRAMETYPE_IDR | MFX_FRAMETYPE_REF;
    mfxSyncPoint sync = nullptr;
    mfxStatus st =
        MFXVideoENCODE_EncodeFrameAsync(session, force_idr ? &ctrl : nullptr, surface, &bs, &sync);
    if (surface) surface->FrameInterface->Release(surface);
    if (st == MFX_ERR_NONE) {
      EXPECT_NE(sync, nullptr);
      st = MFXVideoCORE_SyncOperation(session, sync, 1000);
      if (st == MFX_ERR_NONE) {
        Encoded e;
        e.data.assign(bs.Data + bs.DataOffset, bs.Data + bs.DataOffset + bs.DataLength);
        e.frame_type = bs.FrameType;
        e.timestamp = bs.TimeStamp;
        out->push_back(std::move(e));
      }
    }
    return st;
  }

  mfxSession encoder(mfxVideoParam p = encoder_params()) {
    mfxSession session = open_session();
    if (!session) return nullptr;
    EXPECT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_NONE);
    return session;
  }
};

// Decodes the access units with libavcodec: the number of pictures and their size.
struct Decoded {
  int pictures = 0;
  int width = 0, height = 0;
};
Decoded decode(const std::vector<Encoded>& units) {
  Decoded d;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  if (!ctx || avcodec_open2(ctx, codec, nullptr) < 0) return d;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  auto receive = [&] {
    while (avcodec_receive_frame(ctx, frame) == 0) {
      ++d.pictures;
      d.width = frame->width;
      d.height = frame->height;
    }
  };
  for (const Encoded& e : units) {
    av_new_packet(pkt, static_cast<int>(e.data.size()));
    std::memcpy(pkt->data, e.data.data(), e.data.size());
    avcodec_send_packet(ctx, pkt);
    av_packet_unref(pkt);
    receive();
  }
  avcodec_send_packet(ctx, nullptr);
  receive();
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avcodec_free_context(&ctx);
  return d;
}

TEST_F(QsvSimulationEncode, EncodesDecodableH264WithIdrsExactlyWhereForced) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  std::vector<Encoded> units;
  const int frames = 30;
  for (int i = 0; i < frames; ++i) {
    const bool force = i == 10 || i == 25;
    ASSERT_EQ(submit(session, i, force, &units), MFX_ERR_NONE) << "frame " << i;
  }
  ASSERT_EQ(units.size(), static_cast<size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    const bool idr = i == 0 || i == 10 || i == 25;
    const NalTypes t = nal_types(units[i].data);
    EXPECT_EQ(t.has(5), idr) << "frame " << i;
    EXPECT_EQ(t.has(1), !idr) << "frame " << i;
    EXPECT_EQ(t.has(7), idr) << "SPS before each IDR, frame " << i;
    EXPECT_FALSE(t.has(6)) << "no SEI, frame " << i;
    EXPECT_EQ((units[i].frame_type & MFX_FRAMETYPE_IDR) != 0, idr) << "frame " << i;
    EXPECT_EQ(units[i].timestamp, static_cast<mfxU64>(i) * 3000);
  }
  const Decoded d = decode(units);
  EXPECT_EQ(d.pictures, frames);
  EXPECT_EQ(d.width, 320);
  EXPECT_EQ(d.height, 240);
}

TEST_F(QsvSimulationEncode, GopPicSizeAndIdrIntervalPlaceTheEncodersOwnIdrs) {
  mfxVideoParam p = encoder_params();
  p.mfx.GopPicSize = 8;
  p.mfx.IdrInterval = 1;  // every other I-frame is an IDR
  mfxSession session = encoder(p);
  ASSERT_NE(session, nullptr);
  std::vector<Encoded> units;
  for (int i = 0; i < 33; ++i) ASSERT_EQ(submit(session, i, false, &units), MFX_ERR_NONE);
  for (int i = 0; i < 33; ++i) {
    const NalTypes t = nal_types(units[i].data);
    const bool idr = i % 16 == 0;
    const bool intra = i % 8 == 0;
    EXPECT_EQ(t.has(5), idr) << "frame " << i;
    EXPECT_EQ((units[i].frame_type & MFX_FRAMETYPE_I) != 0, intra) << "frame " << i;
  }
  EXPECT_EQ(decode(units).pictures, 33);
}

TEST_F(QsvSimulationEncode, TheBitrateFollowsTargetKbps) {
  auto bytes_at = [&](mfxU16 kbps) {
    mfxVideoParam p = encoder_params();
    p.mfx.TargetKbps = p.mfx.MaxKbps = kbps;
    p.mfx.BufferSizeInKB = static_cast<mfxU16>(kbps / 8);
    p.mfx.InitialDelayInKB = static_cast<mfxU16>(kbps / 16);
    mfxSession session = encoder(p);
    std::vector<Encoded> units;
    for (int i = 0; i < 60; ++i) EXPECT_EQ(submit(session, i * 7, false, &units), MFX_ERR_NONE);
    size_t total = 0;
    for (const Encoded& e : units) total += e.data.size();
    return total;
  };
  const size_t low = bytes_at(100);
  const size_t high = bytes_at(1600);
  // Two seconds at 30 fps: about kbps * 2 / 8 kB, within x264's VBV tolerance.
  EXPECT_LT(low, 100u * 2 * 1000 / 8 * 3 / 2);
  EXPECT_GT(high, 3 * low);
}

TEST_F(QsvSimulationEncode, GetVideoParamReturnsRawSpsAndPps) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  std::vector<mfxU8> sps(128), pps(128);
  mfxExtCodingOptionSPSPPS headers{};
  headers.Header.BufferId = MFX_EXTBUFF_CODING_OPTION_SPSPPS;
  headers.Header.BufferSz = sizeof headers;
  headers.SPSBuffer = sps.data();
  headers.SPSBufSize = static_cast<mfxU16>(sps.size());
  headers.PPSBuffer = pps.data();
  headers.PPSBufSize = static_cast<mfxU16>(pps.size());
  mfxExtBuffer* ext[] = {&headers.Header};
  mfxVideoParam par{};
  par.ExtParam = ext;
  par.NumExtParam = 1;
  ASSERT_EQ(MFXVideoENCODE_GetVideoParam(session, &par), MFX_ERR_NONE);
  ASSERT_GT(headers.SPSBufSize, 4);
  ASSERT_GT(headers.PPSBufSize, 1);
  EXPECT_EQ(sps[0] & 0x1f, 7);  // a NAL header, no start code
  EXPECT_EQ(sps[1], 100);       // profile_idc High
  EXPECT_EQ(pps[0] & 0x1f, 8);
  EXPECT_EQ(par.mfx.FrameInfo.Width, 320);
  EXPECT_EQ(par.NumExtParam, 1);  // the application's buffers stay
  headers.SPSBufSize = 2;
  EXPECT_EQ(MFXVideoENCODE_GetVideoParam(session, &par), MFX_ERR_NOT_ENOUGH_BUFFER);
}

TEST_F(QsvSimulationEncode, BuffersAsyncDepthMinusOneFramesAndDrainsThem) {
  mfxVideoParam p = encoder_params();
  p.AsyncDepth = 3;  // two frames buffered
  mfxSession session = encoder(p);
  ASSERT_NE(session, nullptr);
  std::vector<Encoded> units;
  EXPECT_EQ(submit(session, 0, false, &units), MFX_ERR_MORE_DATA);
  EXPECT_EQ(submit(session, 1, false, &units), MFX_ERR_MORE_DATA);
  for (int i = 2; i < 6; ++i) EXPECT_EQ(submit(session, i, false, &units), MFX_ERR_NONE);
  EXPECT_EQ(units.size(), 4u);
  EXPECT_EQ(submit(session, -1, false, &units), MFX_ERR_NONE);
  EXPECT_EQ(submit(session, -1, false, &units), MFX_ERR_NONE);
  EXPECT_EQ(submit(session, -1, false, &units), MFX_ERR_MORE_DATA);  // drained
  ASSERT_EQ(units.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(units[i].timestamp, static_cast<mfxU64>(i) * 3000);
  EXPECT_EQ(decode(units).pictures, 6);
}

TEST_F(QsvSimulationEncode, HoldsTheSurfaceUntilTheSyncPoint) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  mfxFrameSurface1* surface = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(session, &surface), MFX_ERR_NONE);
  ASSERT_EQ(fill(surface, 0), MFX_ERR_NONE);
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  ASSERT_EQ(MFXVideoENCODE_EncodeFrameAsync(session, nullptr, surface, &bs, &sync), MFX_ERR_NONE);
  mfxU32 refs = 0;
  ASSERT_EQ(surface->FrameInterface->GetRefCounter(surface, &refs), MFX_ERR_NONE);
  EXPECT_EQ(refs, 2u);           // the application's and the encoder's
  EXPECT_EQ(bs.DataLength, 0u);  // the bitstream is the application's only after SyncOperation
  ASSERT_EQ(MFXVideoCORE_SyncOperation(session, sync, 1000), MFX_ERR_NONE);
  EXPECT_GT(bs.DataLength, 0u);
  ASSERT_EQ(surface->FrameInterface->GetRefCounter(surface, &refs), MFX_ERR_NONE);
  EXPECT_EQ(refs, 1u);
  EXPECT_EQ(surface->FrameInterface->Release(surface), MFX_ERR_NONE);
}

// --- parameters

TEST_F(QsvSimulation, InitWithoutTheVaDisplayIsAViolation) {
  mfxSession session = open_session(false);
  ASSERT_NE(session, nullptr);
  mfxVideoParam p = encoder_params();
  const std::string message = violation_of(
      [&] { EXPECT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_UNDEFINED_BEHAVIOR); });
  EXPECT_NE(message.find("MFXVideoENCODE_Init"), std::string::npos) << message;
  EXPECT_NE(message.find("MFX_HANDLE_VA_DISPLAY"), std::string::npos) << message;
  ASSERT_EQ(MFXVideoCORE_SetHandle(session, MFX_HANDLE_VA_DISPLAY, fake_display()), MFX_ERR_NONE);
  EXPECT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_NONE);
  int other = 0;
  const std::string twice = violation_of([&] {
    EXPECT_EQ(MFXVideoCORE_SetHandle(session, MFX_HANDLE_VA_DISPLAY, &other),
              MFX_ERR_UNDEFINED_BEHAVIOR);
  });
  EXPECT_NE(twice.find("already has another VA display"), std::string::npos) << twice;
}

TEST_F(QsvSimulation, QueryCorrectsWithIncompatibleVideoParam) {
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam in = encoder_params();
  in.mfx.GopRefDist = 3;  // B-frames: corrected to 1, the simulation encodes none
  in.mfx.RateControlMethod = MFX_RATECONTROL_VBR;
  in.mfx.TargetKbps = 1000;
  in.mfx.MaxKbps = 500;  // below the target: corrected to it
  mfxVideoParam out{};
  violation_of(
      [&] {
        EXPECT_EQ(MFXVideoENCODE_Query(session, &in, &out), MFX_WRN_INCOMPATIBLE_VIDEO_PARAM);
      },
      0);
  EXPECT_EQ(out.mfx.GopRefDist, 1);
  EXPECT_EQ(out.mfx.MaxKbps, 1000);
  EXPECT_EQ(out.mfx.TargetKbps, 1000);
  EXPECT_EQ(in.mfx.GopRefDist, 3);  // the input is not touched
  // Init applies the same corrections and says so.
  EXPECT_EQ(MFXVideoENCODE_Init(session, &in), MFX_WRN_INCOMPATIBLE_VIDEO_PARAM);
  mfxVideoParam now{};
  ASSERT_EQ(MFXVideoENCODE_GetVideoParam(session, &now), MFX_ERR_NONE);
  EXPECT_EQ(now.mfx.GopRefDist, 1);
  // A valid set is returned as it is.
  mfxVideoParam good = encoder_params();
  EXPECT_EQ(MFXVideoENCODE_Query(session, &good, &out), MFX_ERR_NONE);
  EXPECT_EQ(out.mfx.TargetKbps, 800);
}

TEST_F(QsvSimulation, QueryRefusesWhatTheSimulationDoesNotDo) {
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam out{};
  mfxVideoParam hevc = encoder_params();
  hevc.mfx.CodecId = MFX_CODEC_HEVC;
  EXPECT_EQ(MFXVideoENCODE_Query(session, &hevc, &out), MFX_ERR_UNSUPPORTED);
  mfxVideoParam la = encoder_params();
  la.mfx.RateControlMethod = MFX_RATECONTROL_LA;
  EXPECT_EQ(MFXVideoENCODE_Query(session, &la, &out), MFX_ERR_UNSUPPORTED);
  mfxVideoParam interlaced = encoder_params();
  interlaced.mfx.FrameInfo.PicStruct = MFX_PICSTRUCT_FIELD_TFF;
  EXPECT_EQ(MFXVideoENCODE_Query(session, &interlaced, &out), MFX_ERR_UNSUPPORTED);
}

TEST_F(QsvSimulation, InitWithParametersAgainstTheSpecIsAViolation) {
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  struct Case {
    const char* what;
    void (*change)(mfxVideoParam*);
    const char* message;
  } cases[] = {
      {"width", [](mfxVideoParam* p) { p->mfx.FrameInfo.Width = 328; }, "multiples of 16"},
      {"crop", [](mfxVideoParam* p) { p->mfx.FrameInfo.CropW = 400; }, "crop rectangle"},
      {"frame rate", [](mfxVideoParam* p) { p->mfx.FrameInfo.FrameRateExtD = 0; }, "FrameRate"},
      {"fourcc", [](mfxVideoParam* p) { p->mfx.FrameInfo.FourCC = MFX_FOURCC_YV12; }, "NV12"},
      {"iopattern",
       [](mfxVideoParam* p) {
         p->IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_IN_SYSTEM_MEMORY;
       },
       "IOPattern"},
      {"bitrate", [](mfxVideoParam* p) { p->mfx.TargetKbps = 0; }, "TargetKbps"},
  };
  for (const Case& c : cases) {
    mfxVideoParam p = encoder_params();
    c.change(&p);
    const std::string message = violation_of(
        [&] { EXPECT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_INVALID_VIDEO_PARAM); });
    EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
  }
  mfxVideoParam p = encoder_params();
  ASSERT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_NONE);
  const std::string twice = violation_of(
      [&] { EXPECT_EQ(MFXVideoENCODE_Init(session, &p), MFX_ERR_UNDEFINED_BEHAVIOR); });
  EXPECT_NE(twice.find("already has an encoder"), std::string::npos) << twice;
}

// --- the encoder's rules

TEST_F(QsvSimulationEncode, ABitstreamSmallerThanBufferSizeInKBIsAViolation) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  std::vector<Encoded> units;
  const std::string message = violation_of(
      [&] { EXPECT_EQ(submit(session, 0, false, &units, 1000), MFX_ERR_NOT_ENOUGH_BUFFER); });
  EXPECT_NE(message.find("MaxLength 1000"), std::string::npos) << message;
  EXPECT_NE(message.find("BufferSizeInKB"), std::string::npos) << message;
}

TEST_F(QsvSimulationEncode, SystemMemoryFramesNeedTheSystemMemoryPattern) {
  mfxSession session = encoder();  // MFX_IOPATTERN_IN_VIDEO_MEMORY
  ASSERT_NE(session, nullptr);
  std::vector<mfxU8> pixels(320 * 240 * 3 / 2, 100);
  mfxFrameSurface1 own{};
  own.Info = encoder_params().mfx.FrameInfo;
  own.Data.Y = pixels.data();
  own.Data.UV = pixels.data() + 320 * 240;
  own.Data.Pitch = 320;
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  const std::string message = violation_of([&] {
    EXPECT_EQ(MFXVideoENCODE_EncodeFrameAsync(session, nullptr, &own, &bs, &sync),
              MFX_ERR_UNDEFINED_BEHAVIOR);
  });
  EXPECT_NE(message.find("MFX_IOPATTERN_IN_VIDEO_MEMORY"), std::string::npos) << message;

  // With the system-memory pattern the application's own frame is encoded.
  mfxSession system = open_session();
  ASSERT_NE(system, nullptr);
  mfxVideoParam p = encoder_params();
  p.IOPattern = MFX_IOPATTERN_IN_SYSTEM_MEMORY;
  ASSERT_EQ(MFXVideoENCODE_Init(system, &p), MFX_ERR_NONE);
  ASSERT_EQ(MFXVideoENCODE_EncodeFrameAsync(system, nullptr, &own, &bs, &sync), MFX_ERR_NONE);
  ASSERT_EQ(MFXVideoCORE_SyncOperation(system, sync, 1000), MFX_ERR_NONE);
  EXPECT_TRUE(nal_types(std::vector<uint8_t>(bs.Data, bs.Data + bs.DataLength)).has(5));
}

TEST_F(QsvSimulationEncode, ASyncPointIsValidOnceAndOnlyIfTheRuntimeMadeIt) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  mfxFrameSurface1* surface = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(session, &surface), MFX_ERR_NONE);
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  ASSERT_EQ(MFXVideoENCODE_EncodeFrameAsync(session, nullptr, surface, &bs, &sync), MFX_ERR_NONE);
  ASSERT_EQ(MFXVideoCORE_SyncOperation(session, sync, 1000), MFX_ERR_NONE);
  const std::string reused = violation_of(
      [&] { EXPECT_NE(MFXVideoCORE_SyncOperation(session, sync, 1000), MFX_ERR_NONE); });
  EXPECT_NE(reused.find("already synchronized"), std::string::npos) << reused;
  const std::string unknown = violation_of([&] {
    EXPECT_NE(MFXVideoCORE_SyncOperation(session, reinterpret_cast<mfxSyncPoint>(0x1234), 1000),
              MFX_ERR_NONE);
  });
  EXPECT_NE(unknown.find("never returned"), std::string::npos) << unknown;
  surface->FrameInterface->Release(surface);
}

// --- surfaces

TEST_F(QsvSimulationEncode, SurfaceMisuseIsCaught) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  mfxFrameSurface1* s = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(session, &s), MFX_ERR_NONE);
  EXPECT_EQ(s->Info.Width, 320);
  EXPECT_EQ(s->Data.Y, nullptr);  // memory only while mapped
  mfxFrameSurfaceInterface* f = s->FrameInterface;

  ASSERT_EQ(f->Map(s, MFX_MAP_READ), MFX_ERR_NONE);
  std::string m = violation_of([&] { EXPECT_EQ(f->Map(s, MFX_MAP_READ), MFX_ERR_LOCK_MEMORY); });
  EXPECT_NE(m.find("already mapped"), std::string::npos) << m;
  s->Data.Y[0] = 7;  // written under a READ map
  m = violation_of([&] { EXPECT_EQ(f->Unmap(s), MFX_ERR_NONE); });
  EXPECT_NE(m.find("MFX_MAP_READ"), std::string::npos) << m;
  m = violation_of([&] { EXPECT_EQ(f->Unmap(s), MFX_ERR_UNSUPPORTED); });
  EXPECT_NE(m.find("not mapped"), std::string::npos) << m;

  // A write through a pointer kept after Unmap: noticed where the surface is used next.
  ASSERT_EQ(f->Map(s, MFX_MAP_WRITE), MFX_ERR_NONE);
  mfxU8* kept = s->Data.Y;
  ASSERT_EQ(f->Unmap(s), MFX_ERR_NONE);
  kept[5] = 9;
  m = violation_of([&] { EXPECT_EQ(f->Map(s, MFX_MAP_READ), MFX_ERR_NONE); });
  EXPECT_NE(m.find("not mapped"), std::string::npos) << m;
  ASSERT_EQ(f->Unmap(s), MFX_ERR_NONE);

  // Map for write while the encoder still holds it (before SyncOperation).
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  ASSERT_EQ(MFXVideoENCODE_EncodeFrameAsync(session, nullptr, s, &bs, &sync), MFX_ERR_NONE);
  m = violation_of([&] { EXPECT_EQ(f->Map(s, MFX_MAP_WRITE), MFX_ERR_LOCK_MEMORY); });
  EXPECT_NE(m.find("still in use by the runtime"), std::string::npos) << m;
  ASSERT_EQ(MFXVideoCORE_SyncOperation(session, sync, 1000), MFX_ERR_NONE);

  // The last Release frees it: a use after that, and a Release below zero.
  mfxU32 refs = 0;
  ASSERT_EQ(f->GetRefCounter(s, &refs), MFX_ERR_NONE);
  EXPECT_EQ(refs, 1u);
  ASSERT_EQ(f->Release(s), MFX_ERR_NONE);
  m = violation_of([&] { EXPECT_EQ(f->Map(s, MFX_MAP_WRITE), MFX_ERR_INVALID_HANDLE); });
  EXPECT_NE(m.find("use after free"), std::string::npos) << m;
  m = violation_of([&] { EXPECT_EQ(f->Release(s), MFX_ERR_UNDEFINED_BEHAVIOR); });
  EXPECT_NE(m.find("reference count of zero"), std::string::npos) << m;
  m = violation_of([&] {
    EXPECT_EQ(MFXVideoENCODE_EncodeFrameAsync(session, nullptr, s, &bs, &sync),
              MFX_ERR_UNDEFINED_BEHAVIOR);
  });
  EXPECT_NE(m.find("after its last Release"), std::string::npos) << m;
}

TEST_F(QsvSimulationEncode, ASurfaceStillReferencedAtMFXCloseIsALeak) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  mfxFrameSurface1* s = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(session, &s), MFX_ERR_NONE);
  const std::string m = violation_of([&] { close(session); });
  EXPECT_NE(m.find("MFXClose"), std::string::npos) << m;
  EXPECT_NE(m.find("leaked"), std::string::npos) << m;
}

TEST_F(QsvSimulationEncode, SurfacesAreSharedByJoinedSessionsOnly) {
  mfxSession parent = encoder();
  mfxSession joined = encoder();
  mfxSession stranger = encoder();
  ASSERT_TRUE(parent && joined && stranger);
  ASSERT_EQ(MFXJoinSession(parent, joined), MFX_ERR_NONE);
  mfxFrameSurface1* s = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(parent, &s), MFX_ERR_NONE);
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  violation_of(
      [&] {
        EXPECT_EQ(MFXVideoENCODE_EncodeFrameAsync(joined, nullptr, s, &bs, &sync), MFX_ERR_NONE);
        EXPECT_EQ(MFXVideoCORE_SyncOperation(joined, sync, 1000), MFX_ERR_NONE);
      },
      0);
  const std::string m = violation_of([&] {
    EXPECT_EQ(MFXVideoENCODE_EncodeFrameAsync(stranger, nullptr, s, &bs, &sync),
              MFX_ERR_UNDEFINED_BEHAVIOR);
  });
  EXPECT_NE(m.find("not joined"), std::string::npos) << m;
  const std::string close_parent =
      violation_of([&] { EXPECT_EQ(MFXClose(parent), MFX_ERR_UNDEFINED_BEHAVIOR); });
  EXPECT_NE(close_parent.find("MFXDisjoinSession"), std::string::npos) << close_parent;
  EXPECT_EQ(MFXDisjoinSession(joined), MFX_ERR_NONE);
  s->FrameInterface->Release(s);
}

TEST_F(QsvSimulationEncode, ACloneIsJoinedAndUsesItsFamilysDisplay) {
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  mfxSession clone = nullptr;
  ASSERT_EQ(MFXCloneSession(session, &clone), MFX_ERR_NONE);
  ASSERT_NE(clone, nullptr);
  mfxVersion version{};
  EXPECT_EQ(MFXQueryVersion(clone, &version), MFX_ERR_NONE);
  EXPECT_EQ(version.Minor, 8);
  mfxVideoParam p = encoder_params();
  EXPECT_EQ(MFXVideoENCODE_Init(clone, &p), MFX_ERR_NONE);  // no SetHandle of its own
  // Debian's dispatcher (2023.1.1) gives a clone no 2.x functions (it loads the clone's table
  // with API version 0): the surface comes from the session it was cloned from, which the
  // clone, joined to it, may use.
  mfxFrameSurface1* surface = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForEncode(session, &surface), MFX_ERR_NONE);
  std::vector<uint8_t> buffer(200000);
  mfxBitstream bs{};
  bs.Data = buffer.data();
  bs.MaxLength = static_cast<mfxU32>(buffer.size());
  mfxSyncPoint sync = nullptr;
  violation_of(
      [&] {
        EXPECT_EQ(MFXVideoENCODE_EncodeFrameAsync(clone, nullptr, surface, &bs, &sync),
                  MFX_ERR_NONE);
        EXPECT_EQ(MFXVideoCORE_SyncOperation(clone, sync, 1000), MFX_ERR_NONE);
      },
      0);
  EXPECT_GT(bs.DataLength, 0u);
  surface->FrameInterface->Release(surface);
  EXPECT_EQ(MFXDisjoinSession(clone), MFX_ERR_NONE);
  EXPECT_EQ(MFXClose(clone), MFX_ERR_NONE);
}

TEST_F(QsvSimulationEncode, ALadderScalesInTheParentAndEncodesInJoinedSessions) {
  mfxSession parent = open_session();
  ASSERT_NE(parent, nullptr);
  mfxVideoParam vpp{};
  vpp.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  vpp.vpp.In = encoder_params(640, 480).mfx.FrameInfo;
  vpp.vpp.Out = encoder_params(320, 240).mfx.FrameInfo;
  ASSERT_EQ(MFXVideoVPP_Init(parent, &vpp), MFX_ERR_NONE);
  mfxFrameAllocRequest requests[2]{};
  ASSERT_EQ(MFXVideoVPP_QueryIOSurf(parent, &vpp, requests), MFX_ERR_NONE);
  EXPECT_EQ(requests[1].Info.Width, 320);
  mfxSession child = encoder();
  ASSERT_NE(child, nullptr);
  ASSERT_EQ(MFXJoinSession(parent, child), MFX_ERR_NONE);
  mfxVideoParam p = encoder_params();
  mfxFrameAllocRequest request{};
  ASSERT_EQ(MFXVideoENCODE_QueryIOSurf(child, &p, &request), MFX_ERR_NONE);
  EXPECT_GE(request.NumFrameMin, 1);
  EXPECT_TRUE(request.Type & MFX_MEMTYPE_FROM_ENCODE);

  std::vector<Encoded> units;
  std::vector<uint8_t> buffer(200000);
  for (int i = 0; i < 5; ++i) {
    mfxFrameSurface1* in = nullptr;
    mfxFrameSurface1* out = nullptr;
    ASSERT_EQ(MFXMemory_GetSurfaceForVPP(parent, &in), MFX_ERR_NONE);
    ASSERT_EQ(fill(in, i), MFX_ERR_NONE);
    in->Data.TimeStamp = static_cast<mfxU64>(i) * 3000;
    ASSERT_EQ(MFXMemory_GetSurfaceForVPPOut(parent, &out), MFX_ERR_NONE);
    mfxSyncPoint scaled = nullptr;
    ASSERT_EQ(MFXVideoVPP_RunFrameVPPAsync(parent, in, out, nullptr, &scaled), MFX_ERR_NONE);
    ASSERT_EQ(MFXVideoCORE_SyncOperation(parent, scaled, 1000), MFX_ERR_NONE);
    mfxBitstream bs{};
    bs.Data = buffer.data();
    bs.MaxLength = static_cast<mfxU32>(buffer.size());
    mfxSyncPoint encoded = nullptr;
    ASSERT_EQ(MFXVideoENCODE_EncodeFrameAsync(child, nullptr, out, &bs, &encoded), MFX_ERR_NONE);
    ASSERT_EQ(MFXVideoCORE_SyncOperation(child, encoded, 1000), MFX_ERR_NONE);
    Encoded e;
    e.data.assign(bs.Data, bs.Data + bs.DataLength);
    e.timestamp = bs.TimeStamp;
    units.push_back(std::move(e));
    in->FrameInterface->Release(in);
    out->FrameInterface->Release(out);
  }
  const Decoded d = decode(units);
  EXPECT_EQ(d.pictures, 5);
  EXPECT_EQ(d.width, 320);
  EXPECT_EQ(units[4].timestamp, 12000u);
  EXPECT_EQ(MFXDisjoinSession(child), MFX_ERR_NONE);
}

// --- VPP

TEST_F(QsvSimulation, VppScalesNv12IntoTheOutputSurface) {
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam p{};
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  p.vpp.In = encoder_params(640, 480).mfx.FrameInfo;
  p.vpp.Out = encoder_params(320, 176).mfx.FrameInfo;
  p.vpp.Out.CropH = 180 - 4;  // 176: the crop within the 16-aligned height
  ASSERT_EQ(MFXVideoVPP_Init(session, &p), MFX_ERR_NONE);
  mfxFrameSurface1* in = nullptr;
  mfxFrameSurface1* out = nullptr;
  ASSERT_EQ(MFXMemory_GetSurfaceForVPP(session, &in), MFX_ERR_NONE);
  ASSERT_EQ(MFXMemory_GetSurfaceForVPPOut(session, &out), MFX_ERR_NONE);
  EXPECT_EQ(in->Info.Width, 640);
  EXPECT_EQ(out->Info.Width, 320);
  EXPECT_EQ(out->Info.Height, 176);
  ASSERT_EQ(in->FrameInterface->Map(in, MFX_MAP_WRITE), MFX_ERR_NONE);
  for (int y = 0; y < 480; ++y) {
    for (int x = 0; x < 640; ++x) in->Data.Y[y * in->Data.Pitch + x] = x < 320 ? 200 : 50;
  }
  ASSERT_EQ(in->FrameInterface->Unmap(in), MFX_ERR_NONE);
  in->Data.TimeStamp = 4242;
  mfxSyncPoint sync = nullptr;
  ASSERT_EQ(MFXVideoVPP_RunFrameVPPAsync(session, in, out, nullptr, &sync), MFX_ERR_NONE);
  ASSERT_EQ(MFXVideoCORE_SyncOperation(session, sync, 1000), MFX_ERR_NONE);
  EXPECT_EQ(out->Data.TimeStamp, 4242u);
  ASSERT_EQ(out->FrameInterface->Map(out, MFX_MAP_READ), MFX_ERR_NONE);
  EXPECT_EQ(out->Data.Y[10 * out->Data.Pitch + 20], 200);
  EXPECT_EQ(out->Data.Y[100 * out->Data.Pitch + 300], 50);
  ASSERT_EQ(out->FrameInterface->Unmap(out), MFX_ERR_NONE);
  in->FrameInterface->Release(in);
  out->FrameInterface->Release(out);
  EXPECT_EQ(MFXVideoVPP_RunFrameVPPAsync(session, nullptr, nullptr, nullptr, &sync),
            MFX_ERR_MORE_DATA);
}

TEST_F(QsvSimulation, VppMisuseIsCaught) {
  mfxSession session = open_session(false);
  ASSERT_NE(session, nullptr);
  mfxFrameSurface1* s = nullptr;
  std::string m = violation_of(
      [&] { EXPECT_EQ(MFXMemory_GetSurfaceForVPP(session, &s), MFX_ERR_NOT_INITIALIZED); });
  EXPECT_NE(m.find("no VPP initialised"), std::string::npos) << m;
  mfxVideoParam p{};
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  p.vpp.In = encoder_params(640, 480).mfx.FrameInfo;
  p.vpp.Out = encoder_params(320, 240).mfx.FrameInfo;
  m = violation_of([&] { EXPECT_EQ(MFXVideoVPP_Init(session, &p), MFX_ERR_UNDEFINED_BEHAVIOR); });
  EXPECT_NE(m.find("MFX_HANDLE_VA_DISPLAY"), std::string::npos) << m;
  ASSERT_EQ(MFXVideoCORE_SetHandle(session, MFX_HANDLE_VA_DISPLAY, fake_display()), MFX_ERR_NONE);
  mfxVideoParam no_output = p;
  no_output.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY;
  m = violation_of(
      [&] { EXPECT_EQ(MFXVideoVPP_Init(session, &no_output), MFX_ERR_INVALID_VIDEO_PARAM); });
  EXPECT_NE(m.find("IOPattern"), std::string::npos) << m;
  mfxVideoParam odd = p;
  odd.vpp.Out.Width = 330;
  m = violation_of(
      [&] { EXPECT_EQ(MFXVideoVPP_Init(session, &odd), MFX_ERR_INVALID_VIDEO_PARAM); });
  EXPECT_NE(m.find("vpp.Out"), std::string::npos) << m;
  mfxVideoParam out{};
  violation_of([&] { EXPECT_EQ(MFXVideoVPP_Query(session, &odd, &out), MFX_ERR_UNSUPPORTED); }, 0);
  EXPECT_EQ(MFXVideoVPP_Init(session, &p), MFX_ERR_NONE);
}

// --- simulated failures

TEST_F(QsvSimulation, NoAvcEncoderLeavesTheFilteredLoaderEmpty) {
  control_.configure("no_avc_encoder", false);
  mfxLoader loader = filtered_loader();
  ASSERT_NE(loader, nullptr);
  loaders_.push_back(loader);
  EXPECT_EQ(simulation_index(loader), -1);
  mfxLoader all = MFXLoad();
  ASSERT_NE(all, nullptr);
  loaders_.push_back(all);
  const int index = simulation_index(all);
  ASSERT_GE(index, 0);
  mfxHDL desc = nullptr;
  ASSERT_EQ(MFXEnumImplementations(all, static_cast<mfxU32>(index), MFX_IMPLCAPS_IMPLDESCSTRUCTURE,
                                   &desc),
            MFX_ERR_NONE);
  EXPECT_EQ(static_cast<mfxImplDescription*>(desc)->Enc.NumCodecs, 0);
  MFXDispReleaseImplDescription(all, desc);
}

TEST_F(QsvSimulation, InitializeFailsFailsTheSession) {
  control_.configure("initialize_fails", false);
  mfxStatus status = MFX_ERR_NONE;
  // The dispatcher then calls MFXClose on the session it did not get: tolerated.
  violation_of([&] { EXPECT_EQ(open_session(true, &status), nullptr); }, 0);
  EXPECT_NE(status, MFX_ERR_NONE);
}

TEST_F(QsvSimulation, SessionsLimitRefusesTheNextSession) {
  control_.configure("sessions=1", false);
  mfxSession first = open_session();
  ASSERT_NE(first, nullptr);
  mfxStatus status = MFX_ERR_NONE;
  EXPECT_EQ(open_session(true, &status), nullptr);
  EXPECT_EQ(status, MFX_ERR_MEMORY_ALLOC);
  close(first);
  EXPECT_NE(open_session(), nullptr);  // a session closed makes room
}

TEST_F(QsvSimulationEncode, DeviceLostAfterNFrames) {
  control_.configure("device_lost_after=3", false);
  mfxSession session = encoder();
  ASSERT_NE(session, nullptr);
  std::vector<Encoded> units;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(submit(session, i, false, &units), MFX_ERR_NONE);
  EXPECT_EQ(submit(session, 3, false, &units), MFX_ERR_DEVICE_LOST);
  EXPECT_EQ(units.size(), 3u);
}

TEST_F(QsvSimulation, QueryChangesCorrectsTheNamedField) {
  control_.configure("query_changes=TargetKbps", false);
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam in = encoder_params();
  mfxVideoParam out{};
  EXPECT_EQ(MFXVideoENCODE_Query(session, &in, &out), MFX_WRN_INCOMPATIBLE_VIDEO_PARAM);
  EXPECT_EQ(out.mfx.TargetKbps, 600);
  EXPECT_EQ(MFXVideoENCODE_Init(session, &in), MFX_WRN_INCOMPATIBLE_VIDEO_PARAM);
  mfxVideoParam now{};
  ASSERT_EQ(MFXVideoENCODE_GetVideoParam(session, &now), MFX_ERR_NONE);
  EXPECT_EQ(now.mfx.TargetKbps, 600);
}

TEST_F(QsvSimulation, MaxSizeRefusesLargerPictures) {
  control_.configure("max_size=640x480", false);
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam big = encoder_params(1280, 720);
  mfxVideoParam out{};
  violation_of(
      [&] {
        EXPECT_EQ(MFXVideoENCODE_Query(session, &big, &out), MFX_ERR_UNSUPPORTED);
        EXPECT_EQ(MFXVideoENCODE_Init(session, &big), MFX_ERR_INVALID_VIDEO_PARAM);
      },
      0);
  mfxVideoParam fits = encoder_params(640, 480);
  EXPECT_EQ(MFXVideoENCODE_Init(session, &fits), MFX_ERR_NONE);
}

TEST_F(QsvSimulation, NoVppRefusesTheVpp) {
  control_.configure("no_vpp", false);
  mfxSession session = open_session();
  ASSERT_NE(session, nullptr);
  mfxVideoParam p{};
  p.IOPattern = MFX_IOPATTERN_IN_VIDEO_MEMORY | MFX_IOPATTERN_OUT_VIDEO_MEMORY;
  p.vpp.In = encoder_params(640, 480).mfx.FrameInfo;
  p.vpp.Out = encoder_params(320, 240).mfx.FrameInfo;
  mfxVideoParam out{};
  EXPECT_EQ(MFXVideoVPP_Query(session, &p, &out), MFX_ERR_UNSUPPORTED);
  EXPECT_EQ(MFXVideoVPP_Init(session, &p), MFX_ERR_INVALID_VIDEO_PARAM);
}

TEST_F(QsvSimulation, StrictModeFailsTheProcessAfterAViolation) {
  EXPECT_EXIT(
      {
        control_.configure("", true);
        mfxSession session = open_session(false);
        mfxVideoParam p = encoder_params();
        MFXVideoENCODE_Init(session, &p);  // no VA display: a violation
        std::exit(0);
      },
      ::testing::ExitedWithCode(70), "violation");
}

}  // namespace
