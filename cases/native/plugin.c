/* libcrashsuite_plugin.so: a shared library the cases load with dlopen and
 * crash inside, so the dump must list it with its build id. */

/* Stores through a null pointer from inside the plugin. */
__attribute__((visibility("default"))) void crashsuite_plugin_write_null(void) {
    *(volatile int *)0 = 0x5ad;
}
