// SPDX-License-Identifier: Apache-2.0
// The hash chain over stored events:
//   link_n = SHA-256(link_{n-1} || body_n || SHA-256(actor_n)),
// where body_n is the event's protobuf bytes without its process (events.body) and
// actor_n the process's protobuf bytes (actors.body), both exactly as stored. Parsing
// the two into one Event gives the event back. The actor enters by its digest, which
// the writer computes anyway to find the actor's row. The first event ever
// stored chains from 32 zero bytes; the first event of an hour file chains from the
// previous file's last link (kept in the new file's meta as prev_link).
#pragma once

#include <openssl/types.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace linesman::store {

using Link = std::array<unsigned char, 32>;
inline constexpr Link kGenesisLink{};

std::string to_hex(const Link &link);
// A stored link column; nullopt when it is not 32 bytes.
std::optional<Link> link_from_blob(std::string_view blob);

// fim::Sha256 gives hex and is single-use; the chain wants raw bytes for millions of
// rows, so this keeps one EVP context and re-initialises it per link.
class Chainer {
public:
	Chainer();
	~Chainer();
	Chainer(const Chainer &) = delete;
	Chainer &operator=(const Chainer &) = delete;

	// False only when OpenSSL fails (out of memory).
	bool next(const Link &prev, std::string_view body, const Link &actor_digest, Link *out);
	bool digest(std::string_view bytes, Link *out);

private:
	EVP_MD_CTX *ctx_;
};

} // namespace linesman::store
