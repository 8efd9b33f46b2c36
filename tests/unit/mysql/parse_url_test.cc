// mysql:// URLs into pool options: no server needed.

#include <gtest/gtest.h>

#include "mysql/options.h"

namespace parley::mysql {
namespace {

TEST(ParseUrlTest, ReadsEveryPart) {
  const base::Result<Options> options =
      ParseUrl("mysql://im%40app:p%3Ass%2Fw0rd@db.internal:3307/parley?threads=8&read_timeout=5");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->user, "im@app");
  EXPECT_EQ(options->password, "p:ss/w0rd");
  EXPECT_EQ(options->host, "db.internal");
  EXPECT_EQ(options->port, 3307);
  EXPECT_EQ(options->database, "parley");
  EXPECT_EQ(options->threads, 8u);
  EXPECT_EQ(options->read_timeout.count(), 5);
  EXPECT_EQ(options->connect_timeout.count(), 1);  // default kept
}

TEST(ParseUrlTest, DefaultsThePort) {
  const base::Result<Options> options = ParseUrl("mysql://root@127.0.0.1/im");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->port, 3306);
  EXPECT_EQ(options->password, "");
  EXPECT_EQ(options->database, "im");
}

TEST(ParseUrlTest, RejectsMalformedUrlsWithoutShowingThePassword) {
  for (const char* bad : {"http://u:secret@h/db", "mysql://u:secret@h:99999/db",
                          "mysql://u:secret@h/db/extra", "mysql://u:secret@h/db?threads=0",
                          "mysql://u:secret@h/db?colour=blue", "not a url", "mysql:///db"}) {
    const base::Result<Options> options = ParseUrl(bad);
    ASSERT_FALSE(options) << bad;
    EXPECT_EQ(options.error().code, base::Code::kBadRequest);
    EXPECT_EQ(options.error().message.find("secret"), std::string::npos) << options.error().message;
  }
}

}  // namespace
}  // namespace parley::mysql
