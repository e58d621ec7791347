/* Assembles the parts into the "x0tta6bl4:native" ES module. */
#include "x0_native.h"

/*
 * Each part exports a flat list of functions and constants. Later issues add parts
 * here: BPF map access (x0_bpf.c).
 */
static const x0_part *const parts[] = {
    &x0_errors_part,
    &x0_bytes_part,
    &x0_socket_part,
    &x0_files_part,
    &x0_sys_part,
    &x0_nlattr_part,
    &x0_crypto_part,
    &x0_tls_part,
    &x0_int8_part,
};

#define NPARTS (sizeof(parts) / sizeof(parts[0]))

static int module_init(JSContext *ctx, JSModuleDef *m)
{
    for (size_t i = 0; i < NPARTS; i++)
        if (JS_SetModuleExportList(ctx, m, parts[i]->entries, parts[i]->count))
            return -1;
    return 0;
}

JSModuleDef *x0_init_native_module(JSContext *ctx, const char *name)
{
    JSModuleDef *m = JS_NewCModule(ctx, name, module_init);
    if (!m)
        return NULL;
    for (size_t i = 0; i < NPARTS; i++)
        if (JS_AddModuleExportList(ctx, m, parts[i]->entries, parts[i]->count))
            return NULL;
    return m;
}
