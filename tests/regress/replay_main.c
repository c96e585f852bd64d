/* Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so that every crash the fuzzers found (tests/regress/<target>/)
 * and every seed (fuzz/corpus/<target>/) runs in the normal build, under
 * whatever sanitizers that build has. A broken property aborts (the target
 * calls abort()), which fails the test.
 *
 * usage: regress_<target> DIR_OR_FILE...   (a missing folder is skipped;
 * replaying no input at all is a failure) */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Defined by the targets that start a server once. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

#define REPLAY_MAX_BYTES (16u * 1024 * 1024)

static int replay_file(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    uint8_t *exact = NULL;
    size_t n = 0;
    int rc = -1;

    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        goto out;
    }
    buf = malloc(REPLAY_MAX_BYTES);
    if (buf == NULL) {
        goto out;
    }
    n = fread(buf, 1, REPLAY_MAX_BYTES, f);
    if (ferror(f)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto out;
    }
    /* An exact-size copy, so that a read past the input is caught. */
    exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        goto out;
    }
    memcpy(exact, buf, n);
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(exact, n);
    (*count)++;
    rc = 0;
out:
    free(exact);
    free(buf);
    if (f != NULL) {
        fclose(f);
    }
    return rc;
}

static int replay_dir(const char *dir, size_t *count)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    int rc = 0;

    if (n < 0) {
        fprintf(stderr, "replay: %s: no such folder, skipped\n", dir);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            replay_file(path, count) != 0) {
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;

    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) {
            rc |= replay_file(argv[i], &count);
        } else {
            rc |= replay_dir(argv[i], &count);
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no input replayed\n");
        return 1;
    }
    printf("replay: %zu inputs, no failure\n", count);
    return rc != 0 ? 1 : 0;
}
