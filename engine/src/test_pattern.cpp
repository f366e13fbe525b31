#include "gearbox/test_pattern.h"

#include <algorithm>
#include <cstring>

namespace gearbox {
namespace {

struct Bgr {
  uint8_t b, g, r;
};

// Classic colour bars (75 % amplitude), left to right.
const Bgr kBars[8] = {{191, 191, 191}, {0, 191, 191}, {191, 191, 0}, {0, 191, 0},
                      {191, 0, 191},   {0, 0, 191},   {191, 0, 0},   {16, 16, 16}};

// Seven-segment masks for 0-9: bits a b c d e f g (a = top, then clockwise, g = middle).
const uint8_t kSegments[10] = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F};

uint32_t hash3(uint32_t x, uint32_t y, uint32_t z) {
  uint32_t h = x * 0x9E3779B1u ^ y * 0x85EBCA77u ^ z * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h;
}

int triangle(int64_t t, int span) {  // 0..span..0 with period 2*span
  if (span <= 0) return 0;
  int64_t p = t % (2 * span);
  return static_cast<int>(p < span ? p : 2 * span - p);
}

}  // namespace

TestPattern::TestPattern(int width, int height)
    : width_(width), height_(height), bgr_(static_cast<size_t>(width) * height * 3) {
  const int w = std::max(width, 1);
  bars_row_.resize(static_cast<size_t>(2 * w) * 3);
  ramp_row_.resize(bars_row_.size());
  for (int x = 0; x < 2 * w; ++x) {
    const Bgr& bar = kBars[(x % w) * 8 / w];
    uint8_t v = static_cast<uint8_t>((x % w) * 255 / w);
    std::memcpy(&bars_row_[3 * x], &bar, 3);
    ramp_row_[3 * x] = ramp_row_[3 * x + 1] = ramp_row_[3 * x + 2] = v;
  }
  const int band = height - height * 5 / 6;
  noise_rows_ = std::max(1, 2 * band);
  noise_.resize(static_cast<size_t>(noise_rows_) * 2 * w * 3);
  for (int y = 0; y < noise_rows_; ++y) {
    for (int x = 0; x < 2 * w; ++x) {
      uint32_t n = hash3(static_cast<uint32_t>(x), static_cast<uint32_t>(y), 0x5eed);
      uint8_t v = static_cast<uint8_t>(64 + (n & 127));
      uint8_t* px = &noise_[(static_cast<size_t>(y) * 2 * w + x) * 3];
      px[0] = v;
      px[1] = static_cast<uint8_t>(v ^ ((n >> 8) & 31));
      px[2] = v;
    }
  }
}

FrameView TestPattern::render(int64_t index) {
  const int w = width_, h = height_;
  uint8_t* img = bgr_.data();
  const int bars_end = h * 2 / 3;
  const int noise_begin = h * 5 / 6;
  const size_t row_bytes = static_cast<size_t>(w) * 3;
  const int64_t bar_shift = (index * 4) % std::max(w, 1);
  const int64_t ramp_shift = (index * 2) % std::max(w, 1);
  // A different window of the noise texture every frame, as camera noise would be.
  const uint32_t pick = hash3(static_cast<uint32_t>(index), 17, 23);
  const int noise_x = static_cast<int>(pick % static_cast<uint32_t>(std::max(w, 1)));
  const int noise_y =
      static_cast<int>((pick >> 16) % static_cast<uint32_t>(noise_rows_ - (h - noise_begin) + 1));

  for (int y = 0; y < h; ++y) {
    uint8_t* row = img + static_cast<size_t>(y) * row_bytes;
    const uint8_t* src;
    if (y < bars_end) {
      src = &bars_row_[static_cast<size_t>(bar_shift) * 3];
    } else if (y < noise_begin) {
      src = &ramp_row_[static_cast<size_t>(ramp_shift) * 3];
    } else {
      src =
          &noise_[(static_cast<size_t>(noise_y + y - noise_begin) * 2 * std::max(w, 1) + noise_x) *
                  3];
    }
    std::memcpy(row, src, row_bytes);
  }

  auto fill = [&](int x0, int y0, int x1, int y1, Bgr c) {
    x0 = std::clamp(x0, 0, w);
    x1 = std::clamp(x1, 0, w);
    y0 = std::clamp(y0, 0, h);
    y1 = std::clamp(y1, 0, h);
    for (int y = y0; y < y1; ++y) {
      uint8_t* row = img + (static_cast<size_t>(y) * w + x0) * 3;
      for (int x = x0; x < x1; ++x, row += 3) {
        row[0] = c.b;
        row[1] = c.g;
        row[2] = c.r;
      }
    }
  };

  // A bouncing box.
  int box = std::max(2, std::min(w, h) / 8);
  int bx = triangle(index * 7, std::max(1, w - box));
  int by = triangle(index * 5, std::max(1, h - box));
  fill(bx, by, bx + box, by + box, Bgr{40, 220, 250});

  // The frame counter: six seven-segment digits on a black plate, top left.
  const int digit_h = std::max(10, h / 8);
  const int digit_w = digit_h / 2;
  const int t = std::max(2, digit_h / 10);  // segment thickness
  const int gap = digit_w / 3;
  const int digits = 6;
  const int x_origin = std::max(2, w / 40), y_origin = std::max(2, h / 40);
  fill(x_origin - t, y_origin - t, x_origin + digits * (digit_w + gap) + t, y_origin + digit_h + t,
       Bgr{0, 0, 0});
  int64_t value = index;
  for (int d = digits - 1; d >= 0; --d) {
    uint8_t mask = kSegments[value % 10];
    value /= 10;
    int x0 = x_origin + d * (digit_w + gap), y0 = y_origin;
    int mid = y0 + digit_h / 2;
    const Bgr on{255, 255, 255};
    if (mask & 0x01) fill(x0, y0, x0 + digit_w, y0 + t, on);                       // a
    if (mask & 0x02) fill(x0 + digit_w - t, y0, x0 + digit_w, mid, on);            // b
    if (mask & 0x04) fill(x0 + digit_w - t, mid, x0 + digit_w, y0 + digit_h, on);  // c
    if (mask & 0x08) fill(x0, y0 + digit_h - t, x0 + digit_w, y0 + digit_h, on);   // d
    if (mask & 0x10) fill(x0, mid, x0 + t, y0 + digit_h, on);                      // e
    if (mask & 0x20) fill(x0, y0, x0 + t, mid, on);                                // f
    if (mask & 0x40) fill(x0, mid - t / 2, x0 + digit_w, mid + t - t / 2, on);     // g
  }
  return FrameView::packed(PixelFormat::kBGR24, w, h, img);
}

}  // namespace gearbox
