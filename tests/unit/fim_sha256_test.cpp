// SPDX-License-Identifier: Apache-2.0
// SHA-256 against the FIPS 180-2 vectors, whole and streamed.
#include <doctest/doctest.h>

#include <string>

#include "fim/sha256.h"

using namespace linesman::fim;

namespace {

const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kTwoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string kTwoBlocksHash = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";

} // namespace

TEST_CASE("fim sha256: known vectors")
{
	CHECK(sha256_hex("") == kEmpty);
	CHECK(sha256_hex("abc") == kAbc);
	CHECK(sha256_hex(kTwoBlocks) == kTwoBlocksHash);
	CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("ab"));
}

TEST_CASE("fim sha256: streaming equals one shot, whatever the pieces")
{
	Sha256 none;
	CHECK(none.hex() == kEmpty);

	Sha256 pieces;
	pieces.update("a");
	pieces.update("");
	pieces.update("bc");
	CHECK(pieces.hex() == kAbc);

	std::string big(1000000, 'a'); // FIPS 180-2's third vector
	Sha256 chunks;
	for (size_t i = 0; i < big.size(); i += 4096)
		chunks.update(std::string_view(big).substr(i, 4096));
	const std::string million_a = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	CHECK(chunks.hex() == million_a);
	CHECK(sha256_hex(big) == million_a);
}
