// builtins.rustUnitSources: decodes its argument, calls the Rust scanner, returns its JSON as
// a Nix value. No logic beyond that lives here; every Nix-version-specific detail lives in
// include/nix_compat.hh. Nix loads this file through the loader (rust/nix-plugin-loader), which
// first checks that the running Nix is the one named in `rus_built_for`.

#include "rust-unit-sources-nix/include/nix_compat.hh"

#include "rust/cxx.h"
#include "rust-unit-sources-nix/src/lib.rs.h"

#include <string>
#include <string_view>

namespace {

const char * const doc = R"(
  Return, for each compilation unit (lib, bin, test, example, bench, build script) of the
  Cargo workspace at *arg*, the files rustc reads for it, as the rust-unit-sources unit
  model (the same JSON as the `cargo-unit-sources` command, as a Nix value).

  *arg* is a path or an absolute path string naming a `Cargo.toml` or a directory holding
  one, or an attribute set:

      { src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null;
        cfgs ? null; dependencies ? false; profile ? "dev"; }

  where `features` is null (the superset of all features, unless `noDefaultFeatures` is set)
  or a list of feature names (`name` or `package/name`), and `target` is null (both branches
  of every target `cfg`) or a target triple, `cfgs` is null (custom cfgs unknown) or the
  list of `--cfg` flags the build passes, and `dependencies` also scans the dependencies
  (vendored below the workspace root), as `cargo-unit-sources scan --dependencies`, with
  `profile` the cargo profile the build uses (`--profile`). Runs
  `cargo metadata` on *src*, so `cargo` must be on `PATH`; *src* must be readable under
  restricted and pure evaluation.
)";

const char * const expected_attrs = "src, features, noDefaultFeatures, allFeatures, target, cfgs, dependencies or profile";

// Forces `value`, null or a list of strings; appends the strings to `out`. Returns whether it
// was a list.
bool force_optional_strings(nix::EvalState & state, nix::Value & value, rus_compat::PosArg pos,
    std::string_view what, rust::Vec<rust::String> & out)
{
    rus_compat::force_value(state, value, pos);
    if (value.type() == nix::nNull)
        return false;
    for (auto * item : rus_compat::force_list(state, value, pos, what))
        out.push_back(rus_compat::force_string_no_ctx(state, *item, pos, what));
    return true;
}

// A unit of the model `v` may carry an `error` (a scan error confined to it, such as a missing
// target file): its `files` becomes a thunk that raises `rustUnitSources: <unit id>: <error>`
// when forced. The model, the other units and the unit's other attributes evaluate as before.
void raise_unit_errors_lazily(nix::EvalState & state, rus_compat::PosArg pos, nix::Value & v)
{
    for (auto & [name, units] : rus_compat::attrs_of(state, v)) {
        if (name != "units")
            continue;
        for (auto & [id, unit] : rus_compat::attrs_of(state, *units)) {
            nix::Value * error = nullptr;
            nix::Value * files = nullptr;
            for (auto & [field, value] : rus_compat::attrs_of(state, *unit)) {
                if (field == "error")
                    error = value;
                else if (field == "files")
                    files = value;
            }
            if (error && files)
                rus_compat::make_throw(state, *files,
                    "rustUnitSources: " + id + ": "
                        + rus_compat::force_string_no_ctx(state, *error, pos, "while reading a unit's error"));
        }
    }
}

void prim_rustUnitSources(nix::EvalState & state, rus_compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    nix::Value & arg = *args[0];
    rus_compat::force_value(state, arg, pos);

    rust_unit_sources::Request request{};
    nix::Value * src = nullptr;

    switch (arg.type()) {
    case nix::nPath:
    case nix::nString:
        src = &arg;
        break;
    case nix::nAttrs:
        for (auto & [name, value] : rus_compat::attrs_of(state, arg)) {
            if (name == "src") {
                src = value;
            } else if (name == "features") {
                request.features_given = force_optional_strings(state, *value, pos,
                    "while evaluating the 'features' attribute passed to builtins.rustUnitSources", request.features);
            } else if (name == "noDefaultFeatures") {
                request.no_default_features = rus_compat::force_bool(state, *value, pos,
                    "while evaluating the 'noDefaultFeatures' attribute passed to builtins.rustUnitSources");
            } else if (name == "allFeatures") {
                request.all_features = rus_compat::force_bool(state, *value, pos,
                    "while evaluating the 'allFeatures' attribute passed to builtins.rustUnitSources");
            } else if (name == "cfgs") {
                request.cfgs_given = force_optional_strings(state, *value, pos,
                    "while evaluating the 'cfgs' attribute passed to builtins.rustUnitSources", request.cfgs);
            } else if (name == "dependencies") {
                request.dependencies = rus_compat::force_bool(state, *value, pos,
                    "while evaluating the 'dependencies' attribute passed to builtins.rustUnitSources");
            } else if (name == "profile") {
                request.profile = rus_compat::force_string_no_ctx(state, *value, pos,
                    "while evaluating the 'profile' attribute passed to builtins.rustUnitSources");
            } else if (name == "target") {
                rus_compat::force_value(state, *value, pos);
                if (value->type() != nix::nNull)
                    request.target = rus_compat::force_string_no_ctx(state, *value, pos,
                        "while evaluating the 'target' attribute passed to builtins.rustUnitSources");
            } else {
                rus_compat::throw_error(state, pos,
                    "rustUnitSources: unknown attribute '" + name + "'; expected " + expected_attrs);
            }
        }
        if (!src)
            rus_compat::throw_error(state, pos, "rustUnitSources: attribute 'src' missing");
        break;
    default:
        rus_compat::throw_error(state, pos,
            "rustUnitSources: expected a path or an attribute set, got " + rus_compat::show_type(arg));
    }

    request.src = rus_compat::realise_source_path(state, pos, *src);

    std::string json;
    try {
        json = std::string(rust_unit_sources::scan_json(request));
    } catch (const rust::Error & e) {
        rus_compat::throw_error(state, pos, std::string("rustUnitSources: ") + e.what());
    }
    rus_compat::parse_json(state, json, v);
    raise_unit_errors_lazily(state, pos, v);
}

// At load (dlopen runs this initialiser).
[[maybe_unused]] const bool registered =
    (rus_compat::register_primop("__rustUnitSources", {"arg"}, doc, prim_rustUnitSources), true);

} // namespace

// The Nix this file was built against, for the loader, which reads it from the file without
// loading it (the marker's text is the loader's `marker`). `retain`: kept by --gc-sections.
extern "C" [[gnu::used, gnu::retain]] const char rus_built_for[] = "rust-unit-sources-nix: built for Nix " RUS_NIX_VERSION;
