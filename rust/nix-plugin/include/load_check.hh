// The plugin's first act at load: is the running Nix the one it was built against?
//
// A C++ plugin binds to the exact Nix build it was compiled against (its EvalState layout, its
// symbols), and nothing in Nix checks that. So before registering anything, the plugin reads
// the running Nix's version and compares it with its own RUS_NIX_VERSION. This file includes
// no Nix header and refers to no Nix symbol: it must work in any Nix, including one whose
// ABI is not the plugin's.
#pragma once

namespace rus_load_check {

/// Whether the Nix that loaded the plugin reports the version `built_for` (its
/// `nix::nixVersion`, looked up with dlsym, never linked). When not, prints one line on
/// stderr naming both versions (or saying the running one is unknown) and returns false; the
/// caller then registers nothing, and evaluation goes on without builtins.rustUnitSources.
bool running_nix_is(const char * built_for);

} // namespace rus_load_check
