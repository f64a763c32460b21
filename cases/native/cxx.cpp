// C++ triggers and scenes.
#include <pthread.h>
#include <stdexcept>
#include <thread>

namespace {

// A base-class constructor calls a virtual that is pure in the base. The
// Itanium ABI routes it to __cxa_pure_virtual, which prints a message and
// calls std::terminate, which aborts (SIGABRT).
struct Base {
    Base() { call_act(); }
    virtual ~Base() = default;
    virtual void act() = 0;
    void call_act() { act(); }
};

struct Derived : Base {
    void act() override {}
};

[[noreturn]] void throw_runtime_error() {
    throw std::runtime_error("crashsuite throws on purpose");
}

// No handler can catch past a noexcept frame: std::terminate, then abort.
void throw_through_noexcept() noexcept {
    throw_runtime_error();
}

}  // namespace

extern "C" void crashsuite_pure_virtual_call() {
    Base *object = new Derived();
    delete object;
}

extern "C" void crashsuite_throw_uncaught() {
    throw_through_noexcept();
}

// Runs `body` on a std::thread (named cs-cpp-crasher) and waits for it.
extern "C" void crashsuite_run_on_cpp_thread(void (*body)()) {
    std::thread thread([body] {
        pthread_setname_np(pthread_self(), "cs-cpp-crasher");
        body();
    });
    thread.join();
}
