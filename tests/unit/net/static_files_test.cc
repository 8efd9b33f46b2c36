#include "net/static_files.h"

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
  std::string WebRoot() const { return (root_ / "www").string(); }

  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypes) {
  auto index = LoadStaticFile(WebRoot(), "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<h1>hi</h1>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");

  auto js = LoadStaticFile(WebRoot(), "/js/app.js?v=3");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, MissingIsNotFound) {
  EXPECT_EQ(LoadStaticFile(WebRoot(), "/nope.html").error().code, base::Code::kNotFound);
  // A directory without index.html.
  EXPECT_EQ(LoadStaticFile(WebRoot(), "/js/").error().code, base::Code::kNotFound);
}

TEST_F(StaticFilesTest, RejectsTraversalAndHiddenFiles) {
  for (const char* target : {"/../outside.txt", "/js/../../outside.txt", "/%2e%2e/outside.txt",
                             "/..%2Foutside.txt", "/.secret", "/js/%5c..%5coutside.txt"}) {
    auto file = LoadStaticFile(WebRoot(), target);
    ASSERT_FALSE(file) << target;
    EXPECT_EQ(file.error().code, base::Code::kBadRequest) << target;
  }
}

TEST(StaticFiles, BuiltInPageWithoutWebRoot) {
  auto page = LoadStaticFile("", "/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("Parley is running"), std::string::npos);
  EXPECT_EQ(LoadStaticFile("", "/app.js").error().code, base::Code::kNotFound);
}

}  // namespace
}  // namespace parley::net
