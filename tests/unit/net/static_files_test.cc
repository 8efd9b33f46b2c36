#include "net/static_files.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::net {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("parley_static_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "www" / "js");
    Write("www/index.html", "<h1>hi</h1>");
    Write("www/js/app.js", "console.log(1)");
    Write("www/.secret", "no");
    Write("outside.txt", "secret");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }
  net::WebRoot Root() const { return {(root_ / "www").string()}; }
  base::Code ErrorOf(std::string_view target) const {
    auto file = LoadStaticFile(Root(), target);
    return file ? base::Code::kOk : file.error().code;
  }

  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypes) {
  auto index = LoadStaticFile(Root(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<h1>hi</h1>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");

  auto js = LoadStaticFile(Root(), "/js/app.js?v=3");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, MissingIsNotFound) {
  EXPECT_EQ(LoadStaticFile(Root(), "/nope.html").error().code, base::Code::kNotFound);
  // A directory without index.html.
  EXPECT_EQ(LoadStaticFile(Root(), "/js/").error().code, base::Code::kNotFound);
}

TEST_F(StaticFilesTest, RejectsTraversalAndHiddenFiles) {
  for (const char* target : {"/../outside.txt", "/js/../../outside.txt", "/%2e%2e/outside.txt",
                             "/..%2Foutside.txt", "/.secret", "/js/%5c..%5coutside.txt"}) {
    auto file = LoadStaticFile(Root(), target);
    ASSERT_FALSE(file) << target;
    EXPECT_EQ(file.error().code, base::Code::kBadRequest) << target;
  }
}

// Symlinks are followed only as far as the web root: static_files.h.
TEST_F(StaticFilesTest, NeverFollowsASymlinkOutOfTheWebRoot) {
  fs::create_directories(root_ / "private");
  Write("private/key.pem", "secret");
  fs::create_symlink("/etc/passwd", root_ / "www" / "passwd");
  fs::create_symlink(root_ / "private", root_ / "www" / "private");   // a directory
  fs::create_symlink("../outside.txt", root_ / "www" / "js" / "up.txt");  // relative
  fs::create_symlink(root_ / "www" / "passwd", root_ / "www" / "chain");  // via another link

  EXPECT_EQ(ErrorOf("/passwd"), base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/private/key.pem"), base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/private/"), base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/js/up.txt"), base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/chain"), base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/index.html"), base::Code::kOk);  // the rest is served as before
}

TEST_F(StaticFilesTest, FollowsASymlinkThatStaysInside) {
  fs::create_symlink("js/app.js", root_ / "www" / "alias.js");
  fs::create_symlink(root_ / "www" / "js", root_ / "www" / "lib");
  auto alias = LoadStaticFile(Root(), "/alias.js");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->body, "console.log(1)");
  EXPECT_EQ(alias->content_type, "text/javascript; charset=utf-8");
  auto through_dir = LoadStaticFile(Root(), "/lib/app.js");
  ASSERT_TRUE(through_dir);
  EXPECT_EQ(through_dir->body, "console.log(1)");
}

// The web root itself may be a symlink (to the current release): the
// boundary is where it leads.
TEST_F(StaticFilesTest, WebRootMayBeASymlink) {
  fs::create_symlink(root_ / "www", root_ / "current");
  fs::create_symlink("js/app.js", root_ / "www" / "alias.js");
  const net::WebRoot current{(root_ / "current").string()};
  ASSERT_TRUE(LoadStaticFile(current, "/"));
  ASSERT_TRUE(LoadStaticFile(current, "/alias.js"));
}

// A wider boundary (this source tree's web/app and its sdk symlink) lets a
// symlink lead there, and no further.
TEST_F(StaticFilesTest, AWiderBoundaryAllowsSymlinksUpToIt) {
  fs::create_symlink("../outside.txt", root_ / "www" / "sibling.txt");
  fs::create_symlink("/etc/passwd", root_ / "www" / "passwd");
  const net::WebRoot wide{(root_ / "www").string(), root_.string()};
  auto sibling = LoadStaticFile(wide, "/sibling.txt");
  ASSERT_TRUE(sibling);
  EXPECT_EQ(sibling->body, "secret");
  EXPECT_EQ(LoadStaticFile(wide, "/passwd").error().code, base::Code::kNotFound);
  EXPECT_EQ(ErrorOf("/sibling.txt"), base::Code::kNotFound);  // the default boundary
}

// Opening a FIFO blocks until a writer comes, unless opened non-blocking.
TEST_F(StaticFilesTest, AFifoIsNotFoundAndDoesNotHang) {
  ASSERT_EQ(::mkfifo((root_ / "www" / "pipe").c_str(), 0644), 0);
  EXPECT_EQ(ErrorOf("/pipe"), base::Code::kNotFound);
}

TEST(StaticFiles, BuiltInPageWithoutWebRoot) {
  auto page = LoadStaticFile({}, "/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Parley is running"), std::string::npos);
  EXPECT_EQ(LoadStaticFile({}, "/app.js").error().code, base::Code::kNotFound);
}

}  // namespace
}  // namespace parley::net
