/* C triggers: crashes that must happen in C code, on a thread C created, or
 * with memory set up just so. Each function that crashes is named in the
 * catalogue as the trigger function a symbolised stack must reach. */
#define _GNU_SOURCE
#include <assert.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Stores through a null pointer: SIGSEGV, SEGV_MAPERR, fault address 0. */
void crashsuite_write_null(void) {
    *(volatile int *)NULL = 0x5ad;
}

/* Loads through a null pointer: SIGSEGV, SEGV_MAPERR, fault address 0. */
int crashsuite_read_null(void) {
    return *(volatile int *)NULL;
}

/* Calls through a null function pointer: the instruction pointer becomes 0. */
void crashsuite_call_null(void) {
    void (*volatile function)(void) = NULL;
    function();
}

/* A page mapped with the given protection, or NULL. */
void *crashsuite_map_page(int writable) {
    long size = sysconf(_SC_PAGESIZE);
    void *page = mmap(NULL, (size_t)size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return page == MAP_FAILED ? NULL : page;
}

/* Stores to `address`. */
void crashsuite_write_to(void *address) {
    *(volatile int *)address = 0x5ad;
}

/* Jumps to `address` as if it were code. */
void crashsuite_jump_to(void *address) {
    void (*volatile function)(void) = (void (*)(void))address;
    function();
}

/* Maps `path` (created, one byte long) over two pages and returns the start
 * of the second page, which lies wholly past the end of the file: touching it
 * raises SIGBUS (BUS_ADRERR). NULL on failure. */
void *crashsuite_map_past_eof(const char *path) {
    long size = sysconf(_SC_PAGESIZE);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return NULL;
    }
    if (ftruncate(fd, 1) != 0) {
        close(fd);
        return NULL;
    }
    char *map = mmap(NULL, (size_t)size * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return map == MAP_FAILED ? NULL : map + size;
}

/* A failed C assert: __assert_fail prints the expression and aborts. */
void crashsuite_assert_fail(void) {
    volatile int zero = 0;
    assert(zero == 1 && "crashsuite asserts on purpose");
}

/* Frees a block twice; glibc detects it and aborts. */
void crashsuite_double_free(void) {
    char *volatile block = malloc(64);
    free(block);
    free(block);
}

/* Overflows one heap block into the header of the next and frees that one;
 * glibc finds the size field corrupt and aborts. */
void crashsuite_heap_overflow(void) {
    char *volatile first = malloc(0x500);
    char *volatile second = malloc(0x500);
    memset(first, 0x41, 0x500 + 16);
    free(second);
    free(first);
}

/* Raises SIGSEGV with raise(): si_code SI_TKILL, no fault address. */
void crashsuite_raise_segv(void) {
    raise(SIGSEGV);
}

static void (*volatile in_handler_trigger)(void);

static void usr1_handler(int signal) {
    (void)signal;
    in_handler_trigger();
}

/* Installs a SIGUSR1 handler that calls `trigger`, then raises SIGUSR1. */
void crashsuite_crash_in_signal_handler(void (*trigger)(void)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = usr1_handler;
    sigemptyset(&action.sa_mask);
    in_handler_trigger = trigger;
    sigaction(SIGUSR1, &action, NULL);
    raise(SIGUSR1);
}

/* Installs an alternate signal stack of MINSIGSTKSZ bytes (since glibc 2.34,
 * sysconf(_SC_MINSIGSTKSZ): the least the kernel accepts) on the calling
 * thread, as a client with its own small sigaltstack would. The stack is
 * never freed: it serves the thread until the crash. 0 on success. */
int crashsuite_install_tiny_sigaltstack(void) {
    stack_t alt;
    alt.ss_size = (size_t)MINSIGSTKSZ;
    alt.ss_sp = malloc(alt.ss_size);
    alt.ss_flags = 0;
    if (alt.ss_sp == NULL) {
        return -1;
    }
    return sigaltstack(&alt, NULL);
}

struct c_thread_start {
    void (*body)(void);
};

static void *c_thread_main(void *arg) {
    struct c_thread_start *start = arg;
    pthread_setname_np(pthread_self(), "cs-c-crasher");
    start->body();
    return NULL;
}

/* Runs `body` on a pthread created from C and waits for it. Returns -1 if the
 * thread could not be created. */
int crashsuite_run_on_c_thread(void (*body)(void)) {
    static struct c_thread_start start;
    pthread_t thread;
    start.body = body;
    if (pthread_create(&thread, NULL, c_thread_main, &start) != 0) {
        return -1;
    }
    pthread_join(thread, NULL);
    return 0;
}

/* Recurses `depth` frames, then calls `bottom`. Built at -O0 like the rest of
 * this file, so every level is a real frame with a frame pointer. */
void crashsuite_descend(unsigned depth, void (*bottom)(void)) {
    volatile unsigned keep = depth;
    if (depth == 0) {
        bottom();
        return;
    }
    crashsuite_descend(depth - 1, bottom);
    keep++;
}
