#include "gearbox/rational.h"

#include <numeric>

namespace gearbox {

Rational Rational::make(int64_t num, int64_t den) {
  if (den == 0) return Rational{num, 0};
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int64_t g = std::gcd(num < 0 ? -num : num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  return Rational{num, den};
}

std::string Rational::to_string() const {
  if (den == 1) return std::to_string(num);
  return std::to_string(num) + "/" + std::to_string(den);
}

bool operator==(Rational a, Rational b) {
  return static_cast<__int128>(a.num) * b.den == static_cast<__int128>(b.num) * a.den;
}

bool operator<(Rational a, Rational b) {
  return static_cast<__int128>(a.num) * b.den < static_cast<__int128>(b.num) * a.den;
}

int64_t mul_div_floor(int64_t value, int64_t a, int64_t b) {
  __int128 n = static_cast<__int128>(value) * a;
  __int128 q = n / b;
  if ((n % b != 0) && ((n < 0) != (b < 0))) --q;  // floor, not truncation
  return static_cast<int64_t>(q);
}

int64_t div_round(__int128 numerator, int64_t b) {
  __int128 n = numerator;
  __int128 d = b;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  // Rounding the magnitude makes halves go away from zero on both sides.
  const __int128 q = n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
  return static_cast<int64_t>(q);
}

int64_t mul_div_round(int64_t value, int64_t a, int64_t b) {
  return div_round(static_cast<__int128>(value) * a, b);
}

}  // namespace gearbox
