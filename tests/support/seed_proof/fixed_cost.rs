//! What a derivation costs by itself: the seed proof's build of every unit with a rustc that
//! compiles nothing, and its sentence in the report.

use crate::report::{first_line, seconds, Measured};

/// What a derivation costs by itself: the build of every unit with a rustc that does nothing.
pub struct FixedCost {
    /// That build.
    pub measured: Measured,
    /// The builds' `--max-jobs`.
    pub jobs: usize,
}

impl FixedCost {
    /// The cost `measured` shows, built with `jobs` jobs.
    pub fn of(measured: Measured, jobs: usize) -> FixedCost {
        FixedCost { measured, jobs }
    }

    /// The report's sentence on it.
    pub fn line(&self) -> String {
        match (&self.measured.eval, &self.measured.built) {
            (Ok((_, drvs)), Ok(built)) => {
                let per = built.time.as_secs_f64() / built.rebuilt.len().max(1) as f64;
                format!(
                    "The fixed cost per derivation: with a rustc that compiles nothing (an empty \
                     executable where one is asked for), the {drvs} derivations built in {} \
                     ({} builders ran, `--max-jobs {}`): {:.0} ms of wall time per derivation, \
                     {:.0} ms of a job's time.",
                    seconds(built.time),
                    built.rebuilt.len(),
                    self.jobs,
                    per * 1000.0,
                    per * 1000.0 * self.jobs as f64
                )
            }
            _ => format!(
                "The fixed cost per derivation was not measured: {}",
                first_line(self.measured.failure().unwrap_or("nothing built"))
            ),
        }
    }
}
