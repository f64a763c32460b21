/*
 * crashsuite's crash cases as a C library: a case executable for a handler
 * written in C or C++ is a main() that describes its handler and calls
 * crashsuite_case_main(). The protocol (command line, environment, truth
 * record, where dumps go) is in handler/CONTRACT.md.
 *
 * Link with libcrashsuite_cases_c.a (cargo build -p crashsuite-cases-c),
 * -lstdc++ -lpthread -ldl -lm.
 */
#ifndef CRASHSUITE_CASE_H
#define CRASHSUITE_CASE_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A crash handler under test. Every callback gets `context`, returns 0 on
 * success and anything else on failure. A NULL callback means the handler
 * does not support that: a case then records no annotations, and cases that
 * need a dump on request are refused.
 */
typedef struct crashsuite_handler {
    /* The handler's name, as its manifest is named. */
    const char *name;
    /* Passed to every callback. */
    void *context;
    /* Installs the handler. Dumps go to getenv("CRASHSUITE_DUMP_DIR"). */
    int (*attach)(void *context);
    /* Sets an annotation for every later dump. */
    int (*annotate)(void *context, const char *key, const char *value);
    /* Records a breadcrumb. */
    int (*breadcrumb)(void *context, const char *text);
    /* Writes a dump of this process now, without crashing. */
    int (*dump_now)(void *context);
} crashsuite_handler;

/*
 * Runs the case the command line names under `handler`: sets the scene up,
 * writes the truth record, and fires the trigger. Returns only for cases that
 * end without a crash by design (0), or when the case could not run (non-zero,
 * with the reason on stderr).
 */
int crashsuite_case_main(int argc, const char *const *argv, const crashsuite_handler *handler);

#ifdef __cplusplus
}
#endif

#endif /* CRASHSUITE_CASE_H */
