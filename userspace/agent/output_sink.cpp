// SPDX-License-Identifier: Apache-2.0
#include "agent/output_sink.h"

#include <unistd.h>

#include <cerrno>
#include <memory>

#include "output/format.h"

namespace linesman::agent {

Result<std::unique_ptr<OutputSink>> OutputSink::open(const Config::Output &cfg)
{
	std::unique_ptr<OutputSink> s(new OutputSink(cfg));
	if (cfg.path == "-") {
		s->out_ = stdout;
	} else {
		s->out_ = std::fopen(cfg.path.c_str(), "ae");
		if (!s->out_)
			return Error::from_errno(errno, "cannot open output file " + cfg.path +
							    " (output.path / --output-file)");
	}
	s->color_ = cfg.color && cfg.format == OutputFormat::Compact && isatty(fileno(s->out_));
	return s;
}

OutputSink::~OutputSink()
{
	if (out_)
		std::fflush(out_);
	if (out_ && out_ != stdout)
		std::fclose(out_);
}

void OutputSink::write(const Event &ev)
{
	std::string line = cfg_.format == OutputFormat::Jsonl ? output::format_json(ev)
							      : output::format_compact(ev, color_);
	line += '\n';
	std::lock_guard lock(mu_);
	if (std::fwrite(line.data(), 1, line.size(), out_) != line.size())
		++write_errors_;
}

void OutputSink::flush()
{
	std::lock_guard lock(mu_);
	if (out_ && std::fflush(out_) != 0)
		++write_errors_;
}

Status OutputSink::reopen()
{
	std::lock_guard lock(mu_);
	if (out_ == stdout)
		return ok();
	FILE *f = std::fopen(cfg_.path.c_str(), "ae");
	if (!f)
		return Error::from_errno(errno, "cannot reopen output file " + cfg_.path);
	std::fclose(out_);
	out_ = f;
	return ok();
}

} // namespace linesman::agent
