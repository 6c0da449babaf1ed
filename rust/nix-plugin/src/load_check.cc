// See include/load_check.hh. Version-free by design: no Nix header, no Nix symbol.

#include "rust-unit-sources-nix/include/load_check.hh"

#include <dlfcn.h>

#include <cstdio>
#include <string>

namespace rus_load_check {

namespace {

// `nix::nixVersion`, a std::string in libnixstore in every Nix since 2.0 (const in some): its
// mangled name does not depend on the const, and its layout is libstdc++'s std::string.
const char * const nix_version_symbol = "_ZN3nix10nixVersionB5cxx11E";

} // namespace

bool running_nix_is(const char * built_for)
{
    const auto * running = static_cast<const std::string *>(dlsym(RTLD_DEFAULT, nix_version_symbol));
    if (!running) {
        std::fprintf(stderr,
            "rust-unit-sources: not registering builtins.rustUnitSources: the plugin was built for Nix %s and this "
            "process has no nix::nixVersion to compare\n",
            built_for);
        return false;
    }
    if (*running != built_for) {
        std::fprintf(stderr,
            "rust-unit-sources: not registering builtins.rustUnitSources: the plugin was built for Nix %s, "
            "this is Nix %s (rebuild the plugin against it)\n",
            built_for, running->c_str());
        return false;
    }
    return true;
}

} // namespace rus_load_check
