/* What `vambe-mock webhooks` and `vambe-mock calls` print for people:
 * tables, one webhook, one line per attempt. Times are shown in the local
 * time zone. Text from the mock is printed with control characters
 * replaced, so no answer can move a terminal's cursor. */
#ifndef MOCK_SERVER_CLI_RENDER_H
#define MOCK_SERVER_CLI_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* Colours for f: it is a terminal and NO_COLOR is unset or empty
 * (no-color.org, as vambe-harness reads it). */
bool ms_cli_render_color(FILE *f);
/* A table of webhooks (an array of webhook objects): ID, TOPIC, STATE
 * (active, disabled or deleted), URL, UPDATED; "no webhooks" when empty. */
void ms_cli_render_webhooks(FILE *f, json_t *list);
/* One webhook, a field per line (the secret as the API masked it). */
void ms_cli_render_webhook(FILE *f, json_t *w);
/* A table of call records (an array), newest first as the API gives them:
 * TIME, TOPIC, EVENT, ATTEMPT, STATUS, DURATION, OUTCOME; "no calls" when
 * empty. */
void ms_cli_render_calls(FILE *f, json_t *records);
/* One call record on one line, as --follow prints it: time, topic, event
 * id, attempt, status (or the error), duration, outcome (coloured when
 * color). */
void ms_cli_render_call_line(FILE *f, json_t *rec, bool color);

#endif
