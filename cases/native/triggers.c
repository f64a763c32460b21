/* C triggers: crashes that must happen in C code or on a thread C created. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>

/* Stores through a null pointer: SIGSEGV, SEGV_MAPERR, fault address 0. */
void crashsuite_write_null(void) {
    *(volatile int *)NULL = 0x5ad;
}

struct c_thread_start {
    void (*before)(void);
};

static void *c_thread_main(void *arg) {
    struct c_thread_start *start = arg;
    pthread_setname_np(pthread_self(), "cs-c-crasher");
    start->before();
    crashsuite_write_null();
    return NULL;
}

/* Creates a pthread from C that calls `before` and then stores through a null
 * pointer. Returns only if the thread could not be created or did not crash. */
int crashsuite_crash_on_c_thread(void (*before)(void)) {
    static struct c_thread_start start;
    pthread_t thread;
    start.before = before;
    if (pthread_create(&thread, NULL, c_thread_main, &start) != 0) {
        return -1;
    }
    pthread_join(thread, NULL);
    return 0;
}
