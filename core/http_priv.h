/* Internal to the HTTP client module (http_client.c, http_tls.c). */
#ifndef CORE_HTTP_PRIV_H
#define CORE_HTTP_PRIV_H

#include <stdbool.h>

/* libcurl's global initialisation, done once, whichever file comes first;
 * false when libcurl cannot start. Safe from any thread. */
bool http_curl_ready(void);

#endif
