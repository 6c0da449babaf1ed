//! The decoder on literal values. The plugins' suites (tests/tests/nix_plugin.rs, run under
//! real Nix by scripts/test-nix) check the same through each plugin.

use super::*;

/// A Nix value written out; `Throw` fails when forced, `Denied` when realised as a path.
#[derive(Debug, Clone)]
enum Lit {
    Path(&'static str),
    Str(&'static str),
    Bool(bool),
    Int,
    Null,
    List(Vec<Lit>),
    Attrs(Vec<(&'static str, Lit)>),
    Throw(&'static str),
    Denied(&'static str),
}

impl Argument for Lit {
    type Error = String;
    fn kind(&mut self) -> Result<Kind, String> {
        Ok(match self {
            Lit::Path(_) | Lit::Denied(_) => Kind::Path,
            Lit::Str(_) => Kind::String,
            Lit::Bool(_) => Kind::Bool,
            Lit::Int => Kind::Other,
            Lit::Null => Kind::Null,
            Lit::List(_) => Kind::List,
            Lit::Attrs(_) => Kind::Attrs,
            Lit::Throw(message) => return Err(message.to_string()),
        })
    }
    fn type_name(&self) -> String {
        match self {
            Lit::Int => "an integer",
            Lit::List(_) => "a list",
            Lit::Bool(_) => "a Boolean",
            Lit::Null => "null",
            _ => "something",
        }
        .to_string()
    }
    fn attrs(&mut self) -> Result<Vec<(String, Lit)>, String> {
        match self {
            Lit::Attrs(attrs) => Ok(attrs
                .iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect()),
            _ => unreachable!("attrs of a non-set"),
        }
    }
    fn items(&mut self) -> Result<Vec<Lit>, String> {
        match self {
            Lit::List(items) => Ok(items.clone()),
            _ => unreachable!("items of a non-list"),
        }
    }
    fn boolean(&mut self) -> Result<bool, String> {
        match self {
            Lit::Bool(b) => Ok(*b),
            _ => unreachable!("boolean of a non-Boolean"),
        }
    }
    fn string(&mut self, what: &str) -> Result<String, String> {
        match self {
            Lit::Str(s) if s.contains("/nix/store") => Err(format!("context, {what}")),
            Lit::Str(s) => Ok(s.to_string()),
            _ => unreachable!("string of a non-string"),
        }
    }
    fn source_path(&mut self) -> Result<String, String> {
        match self {
            Lit::Path(p) | Lit::Str(p) => Ok(p.to_string()),
            Lit::Denied(p) => Err(format!("access to absolute path '{p}' is forbidden")),
            _ => unreachable!("source_path of a non-path"),
        }
    }
}

fn plugin(message: &str) -> Result<Request, Failure<String>> {
    Err(Failure::Plugin(format!("rustUnitSources: {message}")))
}

#[test]
fn a_path_or_a_string_is_the_source() {
    let request = |src| Request {
        src: "/ws".to_string(),
        ..decode(src).unwrap()
    };
    assert_eq!(decode(Lit::Path("/ws")).unwrap(), request(Lit::Str("/ws")));
    assert_eq!(decode(Lit::Str("/ws")).unwrap().src, "/ws");
    assert_eq!(
        decode(Lit::Int),
        plugin("expected a path or an attribute set, got an integer")
    );
    assert_eq!(
        decode(Lit::Denied("/secret")),
        Err(Failure::Nix(
            "access to absolute path '/secret' is forbidden".to_string()
        ))
    );
}

#[test]
fn every_attribute_means_its_flag() {
    let arg = Lit::Attrs(vec![
        ("src", Lit::Attrs(vec![("outPath", Lit::Str("/ws"))])),
        ("features", Lit::List(vec![Lit::Str("a"), Lit::Str("p/b")])),
        ("noDefaultFeatures", Lit::Bool(true)),
        ("allFeatures", Lit::Bool(true)),
        ("target", Lit::Str("x86_64-unknown-linux-gnu")),
        ("cfgs", Lit::List(vec![])),
        ("dependencies", Lit::Bool(true)),
        ("profile", Lit::Str("release")),
    ]);
    assert_eq!(
        decode(arg).unwrap(),
        Request {
            src: "/ws".to_string(),
            features: Some(vec!["a".to_string(), "p/b".to_string()]),
            no_default_features: true,
            all_features: true,
            target: Some("x86_64-unknown-linux-gnu".to_string()),
            dependencies: true,
            cfgs: Some(vec![]),
            profile: Some("release".to_string()),
        }
    );
    let nulls = Lit::Attrs(vec![
        ("features", Lit::Null),
        ("target", Lit::Null),
        ("cfgs", Lit::Null),
        ("profile", Lit::Str("")),
        ("src", Lit::Path("/ws")),
    ]);
    assert_eq!(
        decode(nulls).unwrap(),
        Request {
            src: "/ws".to_string(),
            ..Request::default()
        }
    );
}

#[test]
fn bad_attributes_are_one_line_each() {
    let with = |attrs: Vec<(&'static str, Lit)>| decode(Lit::Attrs(attrs));
    assert_eq!(
        with(vec![
            ("src", Lit::Path("/ws")),
            ("bogus", Lit::Throw("never forced"))
        ]),
        plugin(&format!("unknown attribute 'bogus'; expected {ATTRIBUTES}"))
    );
    assert_eq!(
        with(vec![("features", Lit::List(vec![]))]),
        plugin("attribute 'src' missing")
    );
    assert_eq!(
        with(vec![("noDefaultFeatures", Lit::Int)]),
        plugin("'noDefaultFeatures': expected a Boolean, got an integer")
    );
    assert_eq!(
        with(vec![("features", Lit::List(vec![Lit::Str("a"), Lit::Int]))]),
        plugin("'features': expected a string in the list, got an integer")
    );
    assert_eq!(
        with(vec![("cfgs", Lit::Bool(true))]),
        plugin("'cfgs': expected null or a list of strings, got a Boolean")
    );
    assert_eq!(
        with(vec![("src", Lit::Attrs(vec![]))]),
        plugin("'src': expected a path or a string, got a set without outPath")
    );
    assert_eq!(
        with(vec![("src", Lit::Null)]),
        plugin("'src': expected a path or a string, got null")
    );
}

#[test]
fn the_evaluators_own_errors_pass_unchanged() {
    let with = |attrs: Vec<(&'static str, Lit)>| decode(Lit::Attrs(attrs));
    assert_eq!(
        with(vec![("target", Lit::Throw("boom"))]),
        Err(Failure::Nix("boom".to_string()))
    );
    assert_eq!(
        with(vec![("profile", Lit::Str("/nix/store/x"))]),
        Err(Failure::Nix(
            "context, while evaluating the 'profile' attribute passed to builtins.rustUnitSources"
                .to_string()
        ))
    );
    assert_eq!(
        decode(Lit::Throw("boom")),
        Err(Failure::Nix("boom".to_string()))
    );
}
