#include "banded_ladder.h"

#include <cstddef>

#include <libyuv.h>

#include "area_scale.h"
#include "cpu_convert.h"

namespace gearbox {
namespace {

int chroma(int n) {
  return (n + 1) / 2;
}

bool halves(int in_w, int in_h, int out_w, int out_h) {
  auto exact = [](int i_w, int i_h, int o_w, int o_h) {
    return o_w > 0 && o_h > 0 && i_w == 2 * o_w && i_h == 2 * o_h;
  };
  return exact(in_w, in_h, out_w, out_h) &&
         exact(chroma(in_w), chroma(in_h), chroma(out_w), chroma(out_h));
}

bool reduces_3to2(int in_w, int in_h, int out_w, int out_h) {
  return is_exact_3to2(in_w, in_h, out_w, out_h) &&
         is_exact_3to2(chroma(in_w), chroma(in_h), chroma(out_w), chroma(out_h));
}

// Luma rows of each step's output band for `band` source rows, or an empty vector when a
// step's input band does not split into whole groups in luma and chroma (3 rows make 2 at
// 3:2, 2 make 1 at 2:1, and chroma has half as many rows).
std::vector<int> band_rows_per_step(int band, const std::vector<BandedStep>& steps) {
  std::vector<int> rows;
  for (const BandedStep& s : steps) {
    const int in = s.from < 0 ? band : rows[static_cast<size_t>(s.from)];
    if (s.three_to_two ? in % 6 != 0 : in % 4 != 0) return {};
    rows.push_back(s.three_to_two ? in / 3 * 2 : in / 2);
  }
  return rows;
}

// The smallest band of at least 16 rows (fewer calls per frame, still far inside the cache)
// that divides the frame and keeps every step whole, else the largest smaller one. The whole
// frame is such a band when every step is an exact reduction, so there always is one.
int pick_band_rows(int height, const std::vector<BandedStep>& steps) {
  int fallback = 0;
  for (int band = 2; band <= height; band += 2) {
    if (height % band != 0 || band_rows_per_step(band, steps).empty()) continue;
    if (band >= 16) return band;
    fallback = band;
  }
  return fallback;
}

// The rows [first, first + rows) of a frame, as a frame of its own.
FrameView band_of(const FrameView& frame, int first, int rows) {
  FrameView band = frame;
  band.height = rows;
  for (int p = 0; p < plane_count(frame.format); ++p) {
    band.data[p] += static_cast<ptrdiff_t>(plane_rows(frame.format, p, first)) * frame.stride[p];
  }
  return band;
}

uint8_t* row_of(CpuSurface& s, int plane, int luma_row) {
  return s.plane(plane) +
         static_cast<ptrdiff_t>(plane == 0 ? luma_row : luma_row / 2) * s.stride(plane);
}

// Scales luma rows [in_first, in_first + in_rows) of `in` into the band of `out` they make.
void scale_band(const BandedStep& step,
                CpuSurface& in,
                int in_width,
                int in_first,
                int in_rows,
                CpuSurface& out,
                int out_first,
                int out_rows) {
  for (int p = 0; p < 3; ++p) {
    const int out_w = p == 0 ? step.width : chroma(step.width);
    const int rows = p == 0 ? out_rows : out_rows / 2;
    const uint8_t* src = row_of(in, p, in_first);
    uint8_t* dst = row_of(out, p, out_first);
    if (step.three_to_two) {
      area_scale_3to2(src, in.stride(p), dst, out.stride(p), out_w, rows);
    } else {
      // The call I420Scaler makes for an exact halving, on a band: libyuv's 2x2 box is row-local.
      libyuv::ScalePlane(src, in.stride(p), p == 0 ? in_width : chroma(in_width),
                         p == 0 ? in_rows : in_rows / 2, dst, out.stride(p), out_w, rows,
                         libyuv::kFilterBox);
    }
  }
}

}  // namespace

BandedPlan plan_banded_ladder(int width, int height, const std::vector<ScaleRequest>& requests) {
  BandedPlan plan;
  plan.step_of_request.assign(requests.size(), -1);
  if (width <= 0 || height <= 0 || height % 2 != 0) return plan;
  // In order: a request joins the pass if it is an exact reduction of a picture the pass makes.
  for (size_t i = 0; i < requests.size(); ++i) {
    const ScaleRequest& r = requests[i];
    if (r.from >= static_cast<int>(i)) continue;  // not an earlier request: scale() reports it
    int from_step = -1, in_w = width, in_h = height;
    if (r.from >= 0) {
      from_step = plan.step_of_request[static_cast<size_t>(r.from)];
      if (from_step < 0) continue;
      in_w = plan.steps[static_cast<size_t>(from_step)].width;
      in_h = plan.steps[static_cast<size_t>(from_step)].height;
    }
    BandedStep step{from_step, r.width, r.height, reduces_3to2(in_w, in_h, r.width, r.height)};
    if (!step.three_to_two && !halves(in_w, in_h, r.width, r.height)) continue;
    plan.steps.push_back(step);
    plan.step_of_request[i] = static_cast<int>(plan.steps.size() - 1);
  }
  if (plan.steps.empty()) return plan;
  plan.band_rows = pick_band_rows(height, plan.steps);
  const std::vector<int> rows = band_rows_per_step(plan.band_rows, plan.steps);
  for (size_t k = 0; k < plan.steps.size(); ++k) plan.steps[k].band_rows = rows[k];
  return plan;
}

Status convert_and_scale_banded(const FrameView& frame,
                                const BandedPlan& plan,
                                CpuSurface& converted,
                                const std::vector<CpuSurface*>& steps) {
  if (plan.band_rows == 0 || frame.height % plan.band_rows != 0 ||
      steps.size() != plan.steps.size()) {
    return make_error(ErrorCode::kInternal, "banded conversion: the plan does not fit a " +
                                                std::to_string(frame.width) + "x" +
                                                std::to_string(frame.height) + " frame");
  }
  for (int band = 0; band * plan.band_rows < frame.height; ++band) {
    const int first = band * plan.band_rows;
    uint8_t* planes[3] = {row_of(converted, 0, first), row_of(converted, 1, first),
                          row_of(converted, 2, first)};
    const int strides[3] = {converted.stride(0), converted.stride(1), converted.stride(2)};
    GEARBOX_RETURN_IF_ERROR(
        convert_to_i420(band_of(frame, first, plan.band_rows), planes, strides));
    for (size_t k = 0; k < plan.steps.size(); ++k) {
      const BandedStep& s = plan.steps[k];
      const BandedStep* input = s.from < 0 ? nullptr : &plan.steps[static_cast<size_t>(s.from)];
      const int in_rows = input ? input->band_rows : plan.band_rows;
      CpuSurface& in = input ? *steps[static_cast<size_t>(s.from)] : converted;
      scale_band(s, in, input ? input->width : frame.width, band * in_rows, in_rows, *steps[k],
                 band * s.band_rows, s.band_rows);
    }
  }
  return {};
}

}  // namespace gearbox
