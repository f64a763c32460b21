// A real C++ pure virtual call: a base-class constructor calls a virtual that
// is pure in the base. The Itanium ABI routes it to __cxa_pure_virtual, which
// prints a message and calls std::terminate, which aborts (SIGABRT).
namespace {

struct Base {
    Base() { call_act(); }
    virtual ~Base() = default;
    virtual void act() = 0;
    void call_act() { act(); }
};

struct Derived : Base {
    void act() override {}
};

}  // namespace

extern "C" void crashsuite_pure_virtual_call() {
    Base *object = new Derived();
    delete object;
}
