// SPDX-License-Identifier: Apache-2.0
// decode() and record_kind() on arbitrary bytes: each must refuse or decode,
// never crash and never read outside the record. The record is an exact-size
// heap copy, so ASan sees a read one byte past its end.
//
// Each input is decoded twice: as given (the version and size checks see what
// a corrupted ring would hold), then with a valid ABI version and size patched
// into its header. Without the second pass almost every input would stop at
// those two checks, and the fuzzer's time would go into guessing them instead
// of into the per-type span checks behind them.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "decode/decoder.h"
#include "linesman_abi.h"

using namespace linesman;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::vector<std::byte> rec(size);
	if (size)
		std::memcpy(rec.data(), data, size);
	std::span<const std::byte> bytes(rec);
	(void)decode::decode(bytes);
	(void)decode::record_kind(bytes);

	if (size < sizeof(ls_event_header))
		return 0;
	ls_event_header h;
	std::memcpy(&h, rec.data(), sizeof(h));
	h.abi_version = LS_ABI_VERSION;
	h.size = uint32_t(size);
	std::memcpy(rec.data(), &h, sizeof(h));
	(void)decode::decode(bytes);
	(void)decode::record_kind(bytes);
	return 0;
}
