// SPDX-License-Identifier: Apache-2.0
#include "aggregate/rollup.h"

namespace linesman::aggregate {
namespace {

// Events from different CPUs arrive slightly out of order: a time before the
// window's start is inside it.
bool window_ended(uint64_t start_ns, uint64_t now_ns, uint64_t window_ns)
{
	return now_ns > start_ns && now_ns - start_ns >= window_ns;
}

} // namespace

std::string Rollup::key_of(const Event &exec)
{
	const Process &p = exec.process;
	// '\0' cannot occur inside exe or an argument: the joined key is unambiguous.
	std::string key = p.exe;
	key += '\0';
	key += p.ancestors.empty() ? std::string() : p.ancestors.front();
	key += '\0';
	key += std::to_string(p.uid);
	for (const std::string &a : p.argv) {
		key += '\0';
		key += a;
	}
	return key;
}

bool Rollup::offer(const Event &exec, uint64_t now_ns)
{
	std::string key = key_of(exec);
	auto found = by_key_.find(key);
	const uint64_t window_ns = uint64_t(opts_.window_s) * 1'000'000'000;

	if (found != by_key_.end() && window_ended(found->second->start_ns, now_ns, window_ns)) {
		close(found->second, &pending_);
		found = by_key_.end();
	}
	if (found == by_key_.end()) {
		if (by_key_.size() >= opts_.max_keys)
			close(std::prev(lru_.end()), &pending_);
		lru_.push_front(Window{key, now_ns, 0, 0, 0, 0, {}});
		found = by_key_.emplace(std::move(key), lru_.begin()).first;
	} else {
		lru_.splice(lru_.begin(), lru_, found->second);
	}

	Window &w = *found->second;
	if (++w.seen <= opts_.threshold)
		return true;
	// Out-of-order arrivals (see window_ended) must not make first > last.
	if (w.folded++ == 0 || now_ns < w.first_folded_ns)
		w.first_folded_ns = now_ns;
	if (now_ns >= w.last_folded_ns) { // 0 before the first fold
		w.last_folded_ns = now_ns;
		w.last = exec.process;
	}
	++folded_;
	return false;
}

void Rollup::close(Lru::iterator it, std::vector<Event> *out)
{
	if (it->folded > 0) {
		Event ev;
		ev.type = EventType::Rollup;
		ev.time_ns = it->last_folded_ns;
		ev.process = std::move(it->last);
		RollupDetails d;
		d.rolled_type = EventType::Exec;
		d.count = it->folded;
		d.first_time_ns = it->first_folded_ns;
		d.last_time_ns = it->last_folded_ns;
		d.parent_exe = ev.process.ancestors.empty() ? "" : ev.process.ancestors.front();
		d.window_s = opts_.window_s;
		ev.details = std::move(d);
		out->push_back(std::move(ev));
	}
	by_key_.erase(it->key);
	lru_.erase(it);
}

std::vector<Event> Rollup::flush(uint64_t now_ns, bool all)
{
	std::vector<Event> out = std::move(pending_);
	pending_.clear();
	const uint64_t window_ns = uint64_t(opts_.window_s) * 1'000'000'000;
	for (auto it = lru_.begin(); it != lru_.end();) {
		auto next = std::next(it);
		if (all || window_ended(it->start_ns, now_ns, window_ns))
			close(it, &out);
		it = next;
	}
	return out;
}

} // namespace linesman::aggregate
