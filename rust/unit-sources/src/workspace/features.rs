//! Which features the scan assumes enabled, per package.

use crate::Error;
use std::collections::{BTreeMap, BTreeSet};

/// The features to assume, with cargo's flags' meaning.
///
/// The default (no flag at all) is the superset: any combination of each package's declared
/// features may be on, so `files` covers every feature combination. Once `features` (even an empty list) or
/// `no_default_features` is given, the selection means what the same `cargo build` flags mean:
/// the package's `default` feature (unless `no_default_features`), plus the listed ones, plus
/// everything they enable. `all_features` assumes every feature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureSelection {
    /// `--features`: `None` when not given; otherwise features to enable, `name` for every
    /// member that has it or `package/name` (each entry may hold several, comma or space
    /// separated).
    pub features: Option<Vec<String>>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
}

impl FeatureSelection {
    /// Whether no flag was given, so the superset of all features is assumed.
    pub fn is_superset(&self) -> bool {
        self.all_features || (self.features.is_none() && !self.no_default_features)
    }

    /// Whether no flag at all was given: then any combination of the declared features may be
    /// enabled, and the scan keeps the code of each (`not(feature = …)` included).
    pub(crate) fn is_unconstrained(&self) -> bool {
        self.features.is_none() && !self.no_default_features && !self.all_features
    }

    /// Checks that every requested feature exists in some member: `members` maps each member
    /// package name to its feature table.
    pub(crate) fn validate(
        &self,
        members: &BTreeMap<&str, &BTreeMap<String, Vec<String>>>,
    ) -> Result<(), Error> {
        for requested in self.requested() {
            let known = match requested.split_once('/') {
                Some((package, feature)) => members
                    .get(package)
                    .is_some_and(|table| table.contains_key(feature)),
                None => members.values().any(|table| table.contains_key(requested)),
            };
            if !known {
                return Err(Error::new(format!(
                    "--features: no workspace member has feature `{requested}`"
                )));
            }
        }
        Ok(())
    }

    fn requested(&self) -> impl Iterator<Item = &str> {
        self.features
            .iter()
            .flatten()
            .flat_map(|list| list.split([',', ' ']))
            .map(str::trim)
            .filter(|f| !f.is_empty())
    }

    /// The same selection as `cargo` flags (the superset is `--all-features`).
    pub(crate) fn cargo_flags(&self) -> Vec<String> {
        if self.is_superset() {
            return vec!["--all-features".to_string()];
        }
        let mut flags = Vec::new();
        if self.no_default_features {
            flags.push("--no-default-features".to_string());
        }
        let requested: Vec<&str> = self.requested().collect();
        if !requested.is_empty() {
            flags.push("--features".to_string());
            flags.push(requested.join(","));
        }
        flags
    }

    /// The features enabled for `package`, whose feature table is `table`: closed over what
    /// each enabled feature enables (`"other"`, and `"dep/feat"` where `dep` is a feature).
    pub(crate) fn resolve(
        &self,
        package: &str,
        table: &BTreeMap<String, Vec<String>>,
    ) -> BTreeSet<String> {
        if self.is_superset() {
            return table.keys().cloned().collect();
        }
        let mut pending: Vec<&str> = self
            .requested()
            .filter_map(|f| match f.split_once('/') {
                Some((p, feature)) => (p == package).then_some(feature),
                None => Some(f),
            })
            .collect();
        if !self.no_default_features {
            pending.push("default");
        }
        let mut enabled = BTreeSet::new();
        while let Some(feature) = pending.pop() {
            let Some(enables) = table.get(feature) else {
                continue;
            };
            if !enabled.insert(feature.to_string()) {
                continue;
            }
            for value in enables {
                if value.starts_with("dep:") {
                    continue;
                }
                let named = value.split_once('/').map_or(value.as_str(), |(dep, _)| dep);
                if !named.ends_with('?') {
                    pending.push(named);
                }
            }
        }
        enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> BTreeMap<String, Vec<String>> {
        [
            ("default", vec!["std"]),
            ("std", vec!["alloc", "serde?/std"]),
            ("alloc", vec![]),
            ("serde", vec!["dep:serde"]),
            ("full", vec!["std", "extra/x"]),
            ("extra", vec!["dep:extra"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(String::from).collect()))
        .collect()
    }

    fn resolve(selection: FeatureSelection) -> Vec<String> {
        selection.resolve("p", &table()).into_iter().collect()
    }

    #[test]
    fn no_flag_is_every_feature() {
        assert_eq!(
            resolve(FeatureSelection::default()),
            ["alloc", "default", "extra", "full", "serde", "std"]
        );
    }

    #[test]
    fn defaults_are_closed_over_what_they_enable() {
        let selection = FeatureSelection {
            features: Some(vec!["p/full".into()]),
            ..Default::default()
        };
        assert_eq!(
            resolve(selection),
            ["alloc", "default", "extra", "full", "std"]
        );
    }

    #[test]
    fn no_default_features_keeps_only_the_listed() {
        let selection = FeatureSelection {
            features: Some(vec!["alloc,serde".into()]),
            no_default_features: true,
            ..Default::default()
        };
        assert_eq!(resolve(selection), ["alloc", "serde"]);
        let none = FeatureSelection {
            no_default_features: true,
            ..Default::default()
        };
        assert!(resolve(none).is_empty());
        let empty_list = FeatureSelection {
            features: Some(Vec::new()),
            ..Default::default()
        };
        assert_eq!(resolve(empty_list), ["alloc", "default", "std"]);
    }
}
