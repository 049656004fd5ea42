// SPDX-License-Identifier: Apache-2.0
#include "fim/sha256.h"

#include <openssl/evp.h>

namespace linesman::fim {
namespace {

std::string to_hex(const unsigned char *md, unsigned int len)
{
	static constexpr char kDigits[] = "0123456789abcdef";
	std::string out(size_t(len) * 2, '\0');
	for (unsigned int i = 0; i < len; ++i) {
		out[2 * i] = kDigits[md[i] >> 4];
		out[2 * i + 1] = kDigits[md[i] & 0xf];
	}
	return out;
}

} // namespace

std::string sha256_hex(std::string_view data)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1)
		return "";
	return to_hex(md, len);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new())
{
	ok_ = ctx_ && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
}

// EVP_MD_CTX_free cleanses the partial block it holds, which may be a secret's.
Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::update(std::string_view data)
{
	if (ok_)
		ok_ = EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1;
}

std::string Sha256::hex()
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!ok_ || EVP_DigestFinal_ex(ctx_, md, &len) != 1) {
		ok_ = false;
		return "";
	}
	ok_ = false;
	return to_hex(md, len);
}

} // namespace linesman::fim
