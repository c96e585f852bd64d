/* Suites: the scenario files of a folder (the built-in catalogue or
 * --suite DIR) and/or files named with --scenario; selection by id and tag. */
#ifndef HARNESS_SUITE_H
#define HARNESS_SUITE_H

#include <stddef.h>

#include "core/err.h"
#include "harness/scenario.h"

struct hn_suite {
    struct hn_scenario **items; /* owned, in file order */
    size_t n;
};

/* The built-in suite's folder: <exe dir>/../share/vambe-kit/scenarios, then
 * the source tree's scenarios/ (only where VAMBE_SUITE_BUILD_DIR is defined:
 * the library the tests link, never the installed program), then the
 * install folder. Writes it into out and returns 0, or -1 when none exists. */
int hn_suite_default_dir(char *out, size_t out_size);

/* Every *.json file under dir (recursively, hidden entries skipped), sorted
 * by path. *paths is a new array of new strings (free each, then the
 * array). An empty folder gives 0 files, not an error. */
int hn_suite_list_files(const char *dir, char ***paths, size_t *n, struct err *e);

/* Loads one file / every file of a folder and appends the scenarios. Fails
 * on the first bad file, or when an id is defined twice. */
int hn_suite_add_file(struct hn_suite *s, const char *path, struct err *e);
int hn_suite_add_dir(struct hn_suite *s, const char *dir, struct err *e);

/* Keeps the cases in `only` (comma-separated ids; NULL: all), minus those
 * in `skip`, and when `tags` is given only those with one of its tags. An
 * id in only/skip that the suite does not have is an error; so is a
 * selection left empty. */
int hn_suite_select(struct hn_suite *s, const char *only, const char *skip, const char *tags,
                    struct err *e);

/* Moves the cases with an audit step (DLV-007) after every other case,
 * keeping the order within each group: an audit looks at the whole run. */
void hn_suite_audits_last(struct hn_suite *s);

/* Hex SHA-256 over the selected files' bytes, in order; NULL when a file
 * cannot be read. Caller frees. */
char *hn_suite_checksum(const struct hn_suite *s);

void hn_suite_cleanup(struct hn_suite *s);

#endif
