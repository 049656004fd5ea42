// SPDX-License-Identifier: Apache-2.0
// SHA-256 as lowercase hex, through OpenSSL's EVP interface. An empty string
// means OpenSSL failed (out of memory), which callers report as "unknown".
#pragma once

#include <openssl/types.h>

#include <string>
#include <string_view>

namespace linesman::fim {

std::string sha256_hex(std::string_view data);

// For data read in pieces, so a secret file is hashed through one small
// buffer instead of being held whole in memory.
class Sha256 {
public:
	Sha256();
	~Sha256();
	Sha256(const Sha256 &) = delete;
	Sha256 &operator=(const Sha256 &) = delete;

	void update(std::string_view data);
	// The digest of everything updated so far; the object is spent afterwards.
	std::string hex();

private:
	EVP_MD_CTX *ctx_;
	bool ok_;
};

} // namespace linesman::fim
