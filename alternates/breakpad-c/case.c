/*
 * crashsuite-case-breakpad-c: a crash case executable written in C, the way
 * a C or C++ handler builds one. It installs Breakpad's ExceptionHandler
 * through the C interface breakpad-sys exposes, and hands the rest to
 * crashsuite_case_main(). Breakpad writes <CRASHSUITE_DUMP_DIR>/<uuid>.dmp.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashsuite_case.h"

/* Breakpad's C interface, as breakpad-sys 0.2 defines it (src/impl.cpp). */
typedef void (*crash_callback)(const char *path, size_t path_len, void *context);
extern void *attach_exception_handler(const char *path, size_t path_len,
                                      crash_callback callback, void *context,
                                      unsigned int install_options);
#define INSTALL_SIGNAL_HANDLER 0x2u

/* Called after the dump is written, in the signal handler: does nothing
 * (nothing here may allocate); the harness finds the file itself. */
static void dumped(const char *path, size_t path_len, void *context) {
    (void)path;
    (void)path_len;
    (void)context;
}

static int attach(void *context) {
    (void)context;
    const char *dir = getenv("CRASHSUITE_DUMP_DIR");
    if (dir == NULL) {
        fputs("crashsuite-case-breakpad-c: CRASHSUITE_DUMP_DIR is not set\n", stderr);
        return 1;
    }
    /* Breakpad writes into the directory but does not make it. */
    if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0) {
        perror("crashsuite-case-breakpad-c: mkdir");
        return 1;
    }
    void *handler = attach_exception_handler(dir, strlen(dir), dumped, NULL,
                                             INSTALL_SIGNAL_HANDLER);
    return handler == NULL;
}

int main(int argc, char **argv) {
    /* No annotations, breadcrumbs or dumps on request: Breakpad's C
     * interface has none. */
    const crashsuite_handler breakpad = {
        .name = "breakpad-c",
        .context = NULL,
        .attach = attach,
        .annotate = NULL,
        .breadcrumb = NULL,
        .dump_now = NULL,
    };
    return crashsuite_case_main(argc, (const char *const *)argv, &breakpad);
}
