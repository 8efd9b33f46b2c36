#include "media/thumbnail.h"

#include <gtest/gtest.h>

#include "integration/harness/test_images.h"
#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

class ThumbnailTest : public MediaDirTest {
 protected:
  void SetUp() override {
    MediaDirTest::SetUp();
    InitImageLibrary();
  }
};

TEST_F(ThumbnailTest, TheLongestSideBecomes320AndTheAspectStays) {
  const auto wide = Write("wide.png", testing::MakePng(1000, 500));
  auto thumb = MakeThumbnail(wide, dir_ / "t1.jpg", 320, 50'000'000);
  ASSERT_TRUE(thumb) << thumb.error().message;
  EXPECT_EQ(thumb->content_type, "image/jpeg");
  EXPECT_EQ(thumb->size.width, 320);
  EXPECT_EQ(thumb->size.height, 160);
  const auto size = testing::JpegSize(Read(dir_ / "t1.jpg"));
  ASSERT_TRUE(size);
  EXPECT_EQ(*size, std::make_pair(320, 160));

  const auto tall = Write("tall.png", testing::MakePng(300, 900));
  auto tall_thumb = MakeThumbnail(tall, dir_ / "t2.jpg", 320, 50'000'000);
  ASSERT_TRUE(tall_thumb);
  EXPECT_EQ(tall_thumb->size.height, 320);
  EXPECT_EQ(tall_thumb->size.width, 107);
}

TEST_F(ThumbnailTest, SmallImagesAreNeverEnlarged) {
  auto thumb =
      MakeThumbnail(Write("s.png", testing::MakePng(40, 20)), dir_ / "s.jpg", 320, 50'000'000);
  ASSERT_TRUE(thumb);
  EXPECT_EQ(thumb->size.width, 40);
}

TEST_F(ThumbnailTest, TooManyPixelsAreRefusedBeforeDecoding) {
  const auto big = Write("big.png", testing::MakePng(2000, 2000));
  EXPECT_TRUE(ProbeImage(big));
  auto refused = MakeThumbnail(big, dir_ / "b.jpg", 320, 1'000'000);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, base::Code::kTooLarge);
}

TEST_F(ThumbnailTest, NotAnImageIsAnError) {
  const auto text = Write("x.png", "<html>not a picture</html>");
  EXPECT_FALSE(ProbeImage(text));
  EXPECT_FALSE(MakeThumbnail(text, dir_ / "x.jpg", 320, 50'000'000));
}

}  // namespace
}  // namespace parley::media
