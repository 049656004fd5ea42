// SPDX-License-Identifier: Apache-2.0
// `linesman sql`: an operator's own SELECT over hour files. Two locks, because
// either alone has gaps: the connection is read-only (SQLITE_OPEN_READONLY plus
// PRAGMA query_only), and an authorizer admits only reading — no ATTACH (which
// could create a file anywhere), no pragma that changes state, no load_extension.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <ostream>
#include <string>

#include "common/result.h"

namespace linesman::query {

// What the authorizer refused last, for the error message ("ATTACH is refused: ...").
struct SqlGuard {
	std::string refused;
};

// The sqlite3_set_authorizer callback; `ctx` is a SqlGuard.
int sql_authorize(void *ctx, int action, const char *a3, const char *a4, const char *db,
		  const char *trigger);

struct SqlOutput {
	bool header = true;          // print the column names first
	std::string first_column;    // prefix each row with this value ("" : none)
	std::string first_header;    // its column name
};

// Runs every statement of `sql` on the hour file `path`; rows go to `out`, tab-separated,
// with tabs, newlines and control bytes escaped and blobs as X'hex'.
// Returns the number of rows. A refused or invalid statement is an Error whose code is
// EINVAL (the caller's input); an unreadable file any other code.
Result<size_t> run_sql(const std::string &path, const std::string &sql, std::ostream &out,
		       const SqlOutput &fmt);

} // namespace linesman::query
