#include "media/sniff.h"

#include <gtest/gtest.h>

#include "integration/harness/test_images.h"
#include "media/media_record.h"
#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

using SniffTest = MediaDirTest;

TEST_F(SniffTest, TheBytesDecideNotTheName) {
  EXPECT_EQ(SniffContentType(Write("photo.txt", testing::MakePng(10, 10))), "image/png");
  EXPECT_EQ(SniffContentType(Write("cat.png", "<!DOCTYPE html><html><body>x</body></html>")),
            "text/html");
  const std::string gif = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
  EXPECT_EQ(SniffContentType(gif.data(), gif.size()), "image/gif");
}

TEST(ServedTypeTest, OnlyHarmlessTypesAreServedAsThemselves) {
  EXPECT_EQ(ServedContentType("image/png"), "image/png");
  EXPECT_EQ(ServedContentType("video/mp4"), "video/mp4");
  EXPECT_EQ(ServedContentType("text/plain"), "text/plain");
  for (const char* risky : {"text/html", "image/svg+xml", "application/xhtml+xml",
                            "text/javascript", "application/x-shockwave-flash", "text/xml"}) {
    EXPECT_EQ(ServedContentType(risky), "application/octet-stream") << risky;
  }
  EXPECT_TRUE(IsImageType("image/webp"));
  EXPECT_FALSE(IsImageType("image/svg+xml"));
}

TEST(MediaIdTest, IdsAreRandomHexAndValidated) {
  const std::string a = NewMediaId();
  EXPECT_TRUE(IsValidMediaId(a));
  EXPECT_NE(a, NewMediaId());
  EXPECT_FALSE(IsValidMediaId("../" + a.substr(3)));
  EXPECT_FALSE(IsValidMediaId(a.substr(1)));
  EXPECT_FALSE(IsValidMediaId(std::string(32, 'A')));
}

}  // namespace
}  // namespace parley::media
