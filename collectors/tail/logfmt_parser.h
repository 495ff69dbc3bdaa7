#pragma once

// logfmt lines (key=value pairs, as written by Go's go-kit/log, logrus text, Heroku) to fields.
//
//   parse_logfmt(R"(ts=2024-05-01T12:00:00Z level=info msg="user \"bob\" logged in" n=3 ok)", out)
//   // out.fields: ts, level (strings), msg = user "bob" logged in, n = 3 (kInt), ok = true
//
// Pairs are separated by spaces or tabs. A key is a run of bytes other than space, tab, '=' and
// '"'. A value is either quoted ("..." with the escapes \" \\ \/ \b \f \n \r \t and \uXXXX,
// surrogate pairs joined; always a kString) or unquoted: the bytes up to the next space or tab
// ('=' allowed, '"' not), typed when it reads as an integer (kInt, if it fits int64), a decimal
// number (kDouble) or true/false (kBool), else a kString; "key=" gives an empty string. A bare key
// without '=' is kBool true (go-logfmt and Heroku's reading). A line without any '=' is not logfmt
// and fails, as do an unterminated quote, a bad escape, a '"' inside a key or an unquoted value,
// and text glued to a closing quote.
// Views point into the line; only unescaped quoted values are stored in `out`.

#include <string_view>

#include "collectors/tail/line_parser.h"

namespace vigil::collectors::tail {

// Appends the line's fields to out.fields; false when the line is not logfmt (see above).
bool parse_logfmt(std::string_view line, ParsedLine& out);

}  // namespace vigil::collectors::tail
