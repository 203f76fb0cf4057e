/* report_csv.h - a report (any JSON object) as CSV: one line per value,
 * "metric,value", the metric the dotted path of the value's members
 * (array items by index), in the object's order. Pure. */
#ifndef KETEN_ADMIN_REPORT_CSV_H
#define KETEN_ADMIN_REPORT_CSV_H

#include <jansson.h>

/* The CSV text of report (RFC 4180: CRLF line ends, a cell with a comma,
 * quote or line break quoted with its quotes doubled; a string cell that
 * a spreadsheet would read as a formula, starting with = + - or @, gets a
 * leading '). null is an empty cell, reals keep up to 15 digits. Returns
 * a new string (free()), or NULL when out of memory. */
char *kt_report_csv(const json_t *report);

#endif
