/* Opening the files a user names as input (scenarios, schemes, bodies,
 * certificates): only regular files. open(2) on a FIFO blocks until a
 * writer comes, which may be never; a folder or a device reads as garbage
 * or forever. Such a path is refused with what it is. */
#ifndef CORE_FILE_H
#define CORE_FILE_H

#include <stdio.h>

#include "core/err.h"

/* Opens path for reading ("rb") when it is a regular file (a symbolic link
 * to one is followed); NULL with e set to the reason otherwise ("No such
 * file or directory", "is a FIFO, not a regular file"): the caller names
 * the path. Never blocks. */
FILE *file_open_regular(const char *path, struct err *e);

/* "folder", "FIFO", "character device", "block device", "socket",
 * "symbolic link", "file" or "special file", for a st_mode. */
const char *file_kind(unsigned mode);

#endif
