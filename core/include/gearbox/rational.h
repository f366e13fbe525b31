// Exact rational numbers for frame rates, timestamps and the segment grid. Floating point is
// never used to decide which frame starts a segment: 30000/1001 fps must cut where it should.
#pragma once

#include <cstdint>
#include <string>

namespace gearbox {

struct Rational {
  int64_t num = 0;
  int64_t den = 1;

  // Reduced, with a positive denominator. den == 0 is left as is (callers validate).
  static Rational make(int64_t num, int64_t den);
  double to_double() const { return static_cast<double>(num) / static_cast<double>(den); }
  bool valid_positive() const { return num > 0 && den > 0; }
  std::string to_string() const;  // "30000/1001" or "25"
};

bool operator==(Rational a, Rational b);
bool operator<(Rational a, Rational b);
inline bool operator!=(Rational a, Rational b) { return !(a == b); }
inline bool operator<=(Rational a, Rational b) { return !(b < a); }
inline bool operator>(Rational a, Rational b) { return b < a; }
inline bool operator>=(Rational a, Rational b) { return !(a < b); }

// floor(value * a / b) without overflow for the magnitudes gearbox uses (128-bit intermediate).
int64_t mul_div_floor(int64_t value, int64_t a, int64_t b);
// ceil(value * a / b), likewise.
inline int64_t mul_div_ceil(int64_t value, int64_t a, int64_t b) { return -mul_div_floor(-value, a, b); }

}  // namespace gearbox
