// Backend-owned options: the descriptions' checks, defaults, and the engine's check of a
// configuration's keys against the backends that own them.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "gearbox/backend_options.h"
#include "gearbox/backend_registry.h"

namespace gearbox {
namespace {

OptionSpec choice_spec() {
  return choice_option("mode", "fast", {"fast", "good"}, "a mode");
}

OptionSpec integer_spec() {
  return integer_option("depth", 2, 0, 8, "a depth");
}

// A backend with options and nothing else, to check keys against.
class DescribedBackend final : public Backend {
 public:
  std::string name() const override { return "fake"; }
  std::vector<OptionSpec> options() const override { return {choice_spec(), integer_spec()}; }
  BackendInfo probe() override { return {}; }
  Result<std::unique_ptr<Device>> open(const DeviceOptions&) override {
    return make_error(ErrorCode::kUnavailable, "fake: no device");
  }
};

TEST(BackendOptions, ChoicesAndRangesNameTheKeyAndTheValue) {
  EXPECT_TRUE(check_option_value("fake", choice_spec(), "good").ok());
  Status bad = check_option_value("fake", choice_spec(), "best");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "fake.mode: \"best\" is not one of fast, good");

  EXPECT_TRUE(check_option_value("fake", integer_spec(), "8").ok());
  for (const char* v : {"9", "-1", "", "2x", "0x2", " 2", "99999999999999999999"}) {
    Status s = check_option_value("fake", integer_spec(), v);
    ASSERT_FALSE(s.ok()) << v;
    EXPECT_EQ(s.message(),
              "fake.depth: \"" + std::string(v) + "\" is not a whole number within 0..8");
  }
}

TEST(BackendOptions, DefaultsApplyToWhatIsNotGiven) {
  const BackendOptions o("fake", {choice_spec(), integer_spec()},
                         {{"fake.depth", "5"}, {"other.mode", "good"}});
  EXPECT_EQ(o.text("mode"), "fast");
  EXPECT_EQ(o.integer("depth"), 5);
  EXPECT_EQ(o.text("undescribed"), "");
}

TEST(BackendOptions, FlagsDefaultToBackendAndName) {
  OptionSpec s = integer_spec();
  s.name = "rate_control";
  EXPECT_EQ(option_flag("nvenc", s), "--nvenc-rate-control");
  s.flag = "--nvenc-rc";
  EXPECT_EQ(option_flag("nvenc", s), "--nvenc-rc");
}

TEST(BackendOptions, KeysAreCheckedAgainstTheBackendsThatOwnThem) {
  const BackendList backends{std::make_shared<DescribedBackend>()};
  EXPECT_TRUE(check_backend_options({{"fake.mode", "good"}, {"fake.depth", "0"}}, backends).ok());

  Status value = check_backend_options({{"fake.depth", "12"}}, backends);
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.message(), "fake.depth: \"12\" is not a whole number within 0..8");

  Status option = check_backend_options({{"fake.speed", "1"}}, backends);
  ASSERT_FALSE(option.ok());
  EXPECT_EQ(option.message(),
            "backend_options: \"fake.speed\" is not an option of fake (its options: mode, depth)");

  Status backend = check_backend_options({{"nvenc2.preset", "p1"}}, backends);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.message(),
            "backend_options: \"nvenc2.preset\" names no backend of this build (fake)");
}

// Today's settings, described by the backends this build carries.
TEST(BackendOptions, BuiltInBackendsDescribeTheirOptions) {
  BackendList backends;
  for (std::unique_ptr<Backend>& b : all_backends()) backends.push_back(std::move(b));
  EXPECT_TRUE(check_backend_options(
                  {{"x264.preset", "slow"}, {"x264.bframes", "3"}, {"x264.tune", "none"}}, backends)
                  .ok());
  Status bframes = check_backend_options({{"x264.bframes", "17"}}, backends);
  EXPECT_EQ(bframes.message(), "x264.bframes: \"17\" is not a whole number within 0..16");
  Status rc = check_backend_options({{"nvenc.rate_control", "abr"}}, backends);
  EXPECT_EQ(rc.message(), "nvenc.rate_control: \"abr\" is not one of cbr, vbr");
}

}  // namespace
}  // namespace gearbox
