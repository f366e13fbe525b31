// The rescales of gearbox/rational.h: floor, ceil and round to the nearest integer, exact over
// the whole int64 range of their operands.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "gearbox/rational.h"

namespace gearbox {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(MulDivRound, RoundsToTheNearest) {
  EXPECT_EQ(mul_div_round(4, 1, 3), 1);  // 1.33
  EXPECT_EQ(mul_div_round(5, 1, 3), 2);  // 1.67
  EXPECT_EQ(mul_div_round(-4, 1, 3), -1);
  EXPECT_EQ(mul_div_round(-5, 1, 3), -2);
  EXPECT_EQ(mul_div_round(6, 1, 3), 2);  // exact
  EXPECT_EQ(mul_div_round(0, 7, 3), 0);
}

TEST(MulDivRound, HalvesGoAwayFromZero) {
  EXPECT_EQ(mul_div_round(5, 1, 2), 3);
  EXPECT_EQ(mul_div_round(-5, 1, 2), -3);
  EXPECT_EQ(mul_div_round(1, 1, 2), 1);
  EXPECT_EQ(mul_div_round(-1, 1, 2), -1);
  EXPECT_EQ(mul_div_round(3, 5, 10), 2);  // 1.5
  // A negative divisor or factor: the sign of the quotient decides, not which operand has it.
  EXPECT_EQ(mul_div_round(5, 1, -2), -3);
  EXPECT_EQ(mul_div_round(5, -1, 2), -3);
  EXPECT_EQ(mul_div_round(-5, 1, -2), 3);
  EXPECT_EQ(mul_div_round(4, 1, -3), -1);
}

TEST(MulDivRound, FrameDurationsInTicks) {
  // 90 kHz at 30000/1001 fps: 3003 ticks exactly; at 7 fps 12857.14 -> 12857; at 11 fps
  // 8181.8 -> 8182.
  EXPECT_EQ(mul_div_round(90000, 1001, 30000), 3003);
  EXPECT_EQ(mul_div_round(90000, 1, 7), 12857);
  EXPECT_EQ(mul_div_round(90000, 1, 11), 8182);
}

TEST(MulDivRound, ExactWhereTheProductOverflowsInt64) {
  // kMax * kMax / kMax: the product needs 126 bits.
  EXPECT_EQ(mul_div_round(kMax, kMax, kMax), kMax);
  EXPECT_EQ(mul_div_round(kMin, kMin, kMin), kMin);
  EXPECT_EQ(mul_div_round(kMin, kMax, kMax), kMin);
  // kMax = 2^63 - 1 is odd: kMax / 2 lands on a half, which goes away from zero.
  EXPECT_EQ(mul_div_round(kMax, 1, 2), kMax / 2 + 1);
  EXPECT_EQ(mul_div_round(kMax, -1, 2), -(kMax / 2 + 1));
  // (2^63 - 1)^2 / -2^63 = -(2^63 - 2) - 2^-63.
  EXPECT_EQ(mul_div_round(kMax, kMax, kMin), -(kMax - 1));
}

// Reference: floor plus the remainder against half the divisor; an exact half goes up for a
// positive quotient (away from zero) and stays at the floor for a negative one.
int64_t nearest_by_floor(int64_t value, int64_t a, int64_t b) {
  __int128 n = static_cast<__int128>(value) * a, d = b;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  __int128 q = n / d;
  if (n % d != 0 && n < 0) --q;
  const __int128 twice_remainder = 2 * (n - q * d);
  if (twice_remainder > d || (twice_remainder == d && n > 0)) ++q;
  return static_cast<int64_t>(q);
}

TEST(MulDivRound, MatchesTheFloorBasedReference) {
  const int64_t values[] = {-1000003, -7, -5,     -1,       0,        1,    2,
                            5,        7,  999983, kMax / 3, kMin / 3, kMax, kMin + 1};
  const int64_t factors[] = {1, 3, 1001, 90000, -7};
  const int64_t divisors[] = {1, 2, 3, 10, 30000, 1000000, -4, kMax, kMin};
  for (int64_t v : values) {
    for (int64_t a : factors) {
      for (int64_t b : divisors) {
        // Quotients outside int64 are outside the domain.
        if (std::abs(static_cast<double>(v) * static_cast<double>(a) / static_cast<double>(b)) >
            9e18)
          continue;
        const int64_t round = mul_div_round(v, a, b);
        EXPECT_EQ(round, nearest_by_floor(v, a, b)) << v << " * " << a << " / " << b;
        EXPECT_TRUE(round == mul_div_floor(v, a, b) || round == mul_div_ceil(v, a, b));
      }
    }
  }
}

TEST(DivRound, RoundsA128BitNumerator) {
  // A numerator past int64 (a 65-bit timestamp difference, times a rate) with a quotient inside.
  const __int128 wide = (static_cast<__int128>(1) << 64) + 2;
  EXPECT_EQ(div_round(wide, 8), int64_t{1} << 61);            // 2^61 + 0.25
  EXPECT_EQ(div_round(wide, 4), (int64_t{1} << 62) + 1);      // 2^62 + 0.5: a half, up
  EXPECT_EQ(div_round(-wide, 4), -((int64_t{1} << 62) + 1));  // and down
  EXPECT_EQ(div_round(wide, -4), -((int64_t{1} << 62) + 1));
  EXPECT_EQ(div_round(7, 2), mul_div_round(7, 1, 2));
}

TEST(MulDivFloor, FloorsAndCeils) {
  EXPECT_EQ(mul_div_floor(-7, 1, 2), -4);
  EXPECT_EQ(mul_div_floor(7, 1, 2), 3);
  EXPECT_EQ(mul_div_ceil(7, 1, 2), 4);
  EXPECT_EQ(mul_div_ceil(-7, 1, 2), -3);
  EXPECT_EQ(mul_div_floor(kMax, kMax, kMax), kMax);
}

}  // namespace
}  // namespace gearbox
