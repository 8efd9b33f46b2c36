// The media catalog of cluster mode on a real mariadbd: the same checks as
// FileCatalog (unit/media/catalog_conformance.h), two gateways' catalogs
// seeing one another's rows, and a catalog that goes on after MariaDB
// restarted under its idle connections.

#include "store/cluster/mysql_media_catalog.h"

#include <gtest/gtest.h>

#include "integration/harness/mysql_server.h"
#include "mysql/session.h"
#include "store/cluster/schema.h"
#include "unit/media/catalog_conformance.h"

namespace parley::store {
namespace {

class MysqlMediaCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The tables, as the cluster store creates them at start.
    mysql::InitLibrary();
    mysql::Session session(Options());
    auto connected = session.EnsureConnected();
    ASSERT_TRUE(connected) << connected.error().message;
    for (std::string_view statement : SchemaStatements()) {
      auto done = session.Execute(statement);
      ASSERT_TRUE(done) << done.error().message;
    }
  }

  mysql::Options Options() const {
    mysql::Options options;
    options.host = server_.host();
    options.port = server_.port();
    options.user = server_.user();
    options.password = server_.password();
    options.database = server_.database();
    options.threads = 2;
    return options;
  }

  testing::MysqlServer server_;
};

TEST_F(MysqlMediaCatalogTest, RecordsRoundTripAcrossGateways) {
  MysqlMediaCatalog catalog(Options());
  MysqlMediaCatalog other(Options());  // another gateway's
  media::ExpectRecordsRoundTrip(catalog, other);
}

TEST_F(MysqlMediaCatalogTest, CitationsAreCountedPerMessage) {
  MysqlMediaCatalog catalog(Options());
  media::ExpectCitationsCountedPerMessage(catalog);
}

TEST_F(MysqlMediaCatalogTest, GoesOnAfterMariaDbRestarted) {
  MysqlMediaCatalog catalog(Options());
  const media::MediaRecord r = media::Sample();
  ASSERT_TRUE(catalog.Put(r));
  ASSERT_TRUE(catalog.Cite(r.media_id, {"group_g", "alice", "m1"}));
  server_.Kill9();
  server_.Restart();
  // The idle connection died with the server: the read runs again on a new one.
  auto found = catalog.Find(r.media_id);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->uploader, "alice");
  auto citing = catalog.CitingConversations(r.media_id, 10);
  ASSERT_TRUE(citing) << citing.error().message;
  EXPECT_EQ(*citing, std::vector<std::string>{"group_g"});
}

}  // namespace
}  // namespace parley::store
