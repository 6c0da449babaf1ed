// The rust-unit-sources plugin's loader: see src/lib.rs. Everything happens in `load`, an ELF
// constructor that runs when Nix dlopens this file; every outcome other than loading the real
// plugin is one line on stderr.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The real plugin's file name, and the marker string it carries before the version it was
// built for (rust/nix-plugin/src/primop.cc: `rus_built_for`).
static const char impl_name[] = "librust_unit_sources_nix_impl.so";
static const char marker[] = "rust-unit-sources-nix: built for Nix ";

// `nix::nixVersion`: a std::string in libnixstore in every Nix since 2.0. libstdc++'s
// std::string (the C++11 ABI, what every Linux Nix uses) starts with its data pointer and its
// length.
static const char nix_version_symbol[] = "_ZN3nix10nixVersionB5cxx11E";
struct libstdcxx_string {
    const char * data;
    size_t size;
};

#define SAY(...) fprintf(stderr, "rust-unit-sources: not registering builtins.rustUnitSources: " __VA_ARGS__)

// Reads the version after `marker` in the file `path` into `out` (NUL-terminated, at most
// `size` bytes). Returns 0 when the file exists, 1 when it does not, -1 when it holds no marker.
static int read_built_for(const char * path, char * out, size_t size)
{
    FILE * file = fopen(path, "rb");
    if (!file)
        return 1;
    char * contents = NULL;
    long length = -1;
    if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) > 0 && fseek(file, 0, SEEK_SET) == 0) {
        contents = malloc((size_t) length);
        if (contents && fread(contents, 1, (size_t) length, file) != (size_t) length) {
            free(contents);
            contents = NULL;
        }
    }
    fclose(file);
    int result = -1;
    char * found = contents ? memmem(contents, (size_t) length, marker, sizeof marker - 1) : NULL;
    if (found) {
        const char * version = found + sizeof marker - 1;
        size_t n = strnlen(version, (size_t) (contents + length - version));
        if (n > 0 && n < size && version + n < contents + length) {
            memcpy(out, version, n);
            out[n] = 0;
            result = 0;
        }
    }
    free(contents);
    return result;
}

__attribute__((constructor)) static void load(void)
{
    const struct libstdcxx_string * running = dlsym(RTLD_DEFAULT, nix_version_symbol);
    if (!running) {
        SAY("this process has no nix::nixVersion (is it Nix?)\n");
        return;
    }

    Dl_info self;
    if (!dladdr((void *) load, &self) || !self.dli_fname) {
        SAY("cannot find the loader's own file (dladdr)\n");
        return;
    }
    char dir[PATH_MAX];
    if ((size_t) snprintf(dir, sizeof dir, "%s", self.dli_fname) >= sizeof dir) {
        SAY("the loader's path is too long\n");
        return;
    }
    char * slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");

    char impl[PATH_MAX], built_for[64];
    int found = 1;
    for (int up = 0; up <= 1 && found == 1; up++) {
        int n = snprintf(impl, sizeof impl, up ? "%s/../../%s" : "%s/%s", dir, impl_name);
        if (n < 0 || (size_t) n >= sizeof impl) {
            SAY("the path of %s beside %s is too long\n", impl_name, self.dli_fname);
            return;
        }
        found = read_built_for(impl, built_for, sizeof built_for);
    }
    if (found == 1) {
        SAY("%s is neither beside %s nor two directories up\n", impl_name, self.dli_fname);
        return;
    }
    if (found < 0) {
        SAY("%s carries no \"%s<version>\" marker\n", impl, marker);
        return;
    }

    if (strlen(built_for) != running->size || memcmp(built_for, running->data, running->size) != 0) {
        SAY("the plugin was built for Nix %s, this is Nix %.*s (rebuild the plugin against it)\n",
            built_for, (int) running->size, running->data);
        return;
    }
    if (!dlopen(impl, RTLD_NOW | RTLD_LOCAL))
        SAY("%s\n", dlerror());
}
