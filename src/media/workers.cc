#include "media/workers.h"

namespace parley::media {

Workers::Workers(std::size_t threads) : pool_(threads) {}

Workers::~Workers() { Join(); }

void Workers::Join() { pool_.join(); }

}  // namespace parley::media
