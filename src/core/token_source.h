#pragma once

namespace parley::core {

// Who signed a verified token: Parley itself (HS256, its users registered)
// or the product's backend (--jwt-public-key; its users may be new to Parley).
enum class TokenSource { kParley, kProduct };

}  // namespace parley::core
