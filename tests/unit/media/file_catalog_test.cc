#include "media/file_catalog.h"

#include <gtest/gtest.h>

#include "unit/media/catalog_conformance.h"
#include "unit/media/media_fixture.h"

namespace parley::media {
namespace {

using FileCatalogTest = MediaDirTest;

TEST_F(FileCatalogTest, RecordsRoundTrip) {
  FileCatalog catalog(dir_);
  FileCatalog other(dir_);  // another gateway on the same directory
  ExpectRecordsRoundTrip(catalog, other);
}

TEST_F(FileCatalogTest, CitationsAreCountedPerMessage) {
  FileCatalog catalog(dir_);
  ExpectCitationsCountedPerMessage(catalog);
}

}  // namespace
}  // namespace parley::media
