// SPDX-License-Identifier: Apache-2.0
// The agent's live output: compact lines or JSON lines on stdout or in a file.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "agent/config.h"
#include "common/event.h"
#include "common/result.h"

namespace linesman::agent {

class OutputSink {
public:
	static Result<std::unique_ptr<OutputSink>> open(const Config::Output &cfg);
	~OutputSink();

	void write(const Event &ev);
	void flush();
	// Reopen a file output (after log rotation, on SIGHUP). No-op for stdout.
	Status reopen();
	uint64_t write_errors() const { return write_errors_; }

private:
	OutputSink(const Config::Output &cfg) : cfg_(cfg) {}
	Config::Output cfg_;
	std::mutex mu_; // the pipeline thread writes; the signal thread reopens
	FILE *out_ = nullptr;
	bool color_ = false;
	uint64_t write_errors_ = 0;
};

} // namespace linesman::agent
