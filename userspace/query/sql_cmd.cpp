// SPDX-License-Identifier: Apache-2.0
// `linesman sql`: run_sql over one hour file or each in turn.
#include "query/cli.h"
#include "query/commands.h"
#include "query/quote.h"
#include "query/sql.h"
#include "store/layout.h"
#include "store/verify.h"

namespace linesman::query {

int run_sql_command(const SqlOptions &o, std::ostream &out, std::ostream &err)
{
	std::string events_dir = store::resolve_events_dir(o.dir);
	std::vector<store::HourFile> files;
	if (!o.file.empty()) {
		std::string name = o.file.ends_with(".db") ? o.file : o.file + ".db";
		if (!store::parse_hour_file(name)) {
			err << "linesman: --file: " << quoted(o.file)
			    << " is not an hour file name (e.g. 2026-11-26T13)\n";
			return kExitUsage;
		}
		files.push_back({events_dir + "/" + name, *store::parse_hour_file(name)});
	} else {
		auto listed = store::list_hour_files(events_dir);
		if (!listed) {
			err << "linesman: " << listed.error().what() << '\n';
			return kExitStore;
		}
		files = std::move(*listed);
	}
	if (o.sql.empty()) {
		err << "linesman: sql: no statement given\n";
		return kExitUsage;
	}
	if (files.empty()) {
		err << "linesman: no hour files in " << events_dir << '\n';
		return kExitStore;
	}
	size_t rows = 0;
	for (size_t i = 0; i < files.size(); ++i) {
		SqlOutput fmt;
		fmt.header = i == 0;
		// Over several files, each row says which hour it came from.
		if (files.size() > 1) {
			fmt.first_header = "hour";
			fmt.first_column = store::hour_name(files[i].hour);
		}
		auto n = run_sql(files[i].path, o.sql, out, fmt);
		if (!n) {
			bool input = n.error().code() == std::errc::invalid_argument;
			err << "linesman: " << (input ? n.error().message() : n.error().what()) << '\n';
			return input ? kExitUsage : kExitStore;
		}
		rows += *n;
	}
	return rows ? kExitOk : kExitNoMatch;
}

} // namespace linesman::query
