// SPDX-License-Identifier: Apache-2.0
#include "store/chain.h"

#include <openssl/evp.h>

#include <cstring>

namespace linesman::store {

std::string to_hex(const Link &link)
{
	static constexpr char kDigits[] = "0123456789abcdef";
	std::string out;
	out.reserve(64);
	for (unsigned char b : link) {
		out += kDigits[b >> 4];
		out += kDigits[b & 0xf];
	}
	return out;
}

std::optional<Link> link_from_blob(std::string_view blob)
{
	Link l;
	if (blob.size() != l.size())
		return std::nullopt;
	memcpy(l.data(), blob.data(), l.size());
	return l;
}

Chainer::Chainer() : ctx_(EVP_MD_CTX_new()) {}
Chainer::~Chainer() { EVP_MD_CTX_free(ctx_); }

bool Chainer::digest(std::string_view bytes, Link *out)
{
	unsigned int len = 0;
	return ctx_ && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1 &&
	       EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) == 1 &&
	       EVP_DigestFinal_ex(ctx_, out->data(), &len) == 1 && len == out->size();
}

bool Chainer::next(const Link &prev, std::string_view body, const Link &actor_digest, Link *out)
{
	unsigned int len = 0;
	return ctx_ && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1 &&
	       EVP_DigestUpdate(ctx_, prev.data(), prev.size()) == 1 &&
	       EVP_DigestUpdate(ctx_, body.data(), body.size()) == 1 &&
	       EVP_DigestUpdate(ctx_, actor_digest.data(), actor_digest.size()) == 1 &&
	       EVP_DigestFinal_ex(ctx_, out->data(), &len) == 1 && len == out->size();
}

} // namespace linesman::store
