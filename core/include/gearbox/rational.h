// Exact rational numbers for frame rates, timestamps and the segment grid. Floating point is
// never used to decide which frame starts a segment: 30000/1001 fps must cut where it should.
#pragma once

#include <cstdint>
#include <string>

#include "gearbox/export.h"

namespace gearbox {

struct GEARBOX_EXPORT Rational {
  int64_t num = 0;
  int64_t den = 1;

  // Reduced, with a positive denominator. den == 0 is left as is (callers validate).
  static Rational make(int64_t num, int64_t den);
  double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
  bool valid_positive() const { return num > 0 && den > 0; }
  std::string to_string() const;  // "30000/1001" or "25"
};

GEARBOX_EXPORT bool operator==(Rational a, Rational b);
GEARBOX_EXPORT bool operator<(Rational a, Rational b);
inline bool operator!=(Rational a, Rational b) {
  return !(a == b);
}
inline bool operator<=(Rational a, Rational b) {
  return !(b < a);
}
inline bool operator>(Rational a, Rational b) {
  return b < a;
}
inline bool operator>=(Rational a, Rational b) {
  return !(a < b);
}

// floor(value * a / b) without overflow for the magnitudes gearbox uses (128-bit intermediate).
GEARBOX_EXPORT int64_t mul_div_floor(int64_t value, int64_t a, int64_t b);
// ceil(value * a / b), likewise.
inline int64_t mul_div_ceil(int64_t value, int64_t a, int64_t b) {
  return -mul_div_floor(-value, a, b);
}
// value * a / b to the nearest integer, halves away from zero (2.5 -> 3, -2.5 -> -3): a
// timestamp or a duration rescaled to the nearest tick. Exact for every int64 value, a and b
// (the product is formed in 128 bits); b must not be 0. Like its neighbours it does not detect
// a quotient outside int64: callers bound their magnitudes.
GEARBOX_EXPORT int64_t mul_div_round(int64_t value, int64_t a, int64_t b);
// The same rounding of numerator / b, for a numerator the caller formed in 128 bits itself (a
// product of three factors, or one with a 65-bit difference in it): exact for a numerator of
// magnitude at most 2^126 (every product of two int64 is), b not 0, the quotient within int64.
GEARBOX_EXPORT int64_t div_round(__int128 numerator, int64_t b);

}  // namespace gearbox
