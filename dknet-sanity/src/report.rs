//! The result of a run: one [`CheckResult`] per check, printed a line each or as JSON.

use std::fmt;

use serde::Serialize;

use crate::catalog::Check;

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The plugin did what dockerd needs.
    Pass,
    /// The plugin broke the check's rule.
    Fail,
    /// The check did not apply (the reason says why).
    Skip,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::Skip => "skip",
        })
    }
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The check's name, e.g. `refuse.create-endpoint-echo`.
    pub name: &'static str,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// What the check found (for a skip: why it did not run).
    pub found: String,
    /// What dockerd does when a plugin breaks this rule, and why.
    pub dockerd: &'static str,
}

impl CheckResult {
    /// A result of `check`.
    pub(crate) fn new(check: &Check, outcome: Outcome, found: impl Into<String>) -> Self {
        Self {
            name: check.name,
            outcome,
            found: found.into(),
            dockerd: check.dockerd,
        }
    }
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:4}  {}: {}", self.outcome, self.name, self.found)?;
        if self.outcome == Outcome::Fail {
            write!(f, "\n      dockerd: {}", self.dockerd)?;
        }
        Ok(())
    }
}

/// Every check's result, in the order they ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The plugin checked (its socket or address).
    pub plugin: String,
    /// The results.
    pub checks: Vec<CheckResult>,
}

impl Report {
    /// True when no check failed (skips do not fail a run).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// The result of the check named `name`, if it ran.
    pub fn get(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The names of the failed checks.
    pub fn failures(&self) -> Vec<&'static str> {
        let failed = self.checks.iter().filter(|c| c.outcome == Outcome::Fail);
        failed.map(|c| c.name).collect()
    }

    /// Panics with the whole report when a check failed: for `cargo test`.
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.passed(), "dknet-sanity found problems:\n{self}");
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report encodes as JSON")
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            writeln!(f, "{check}")?;
        }
        let count = |o: Outcome| self.checks.iter().filter(|c| c.outcome == o).count();
        write!(
            f,
            "{}: {} passed, {} failed, {} skipped",
            self.plugin,
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Skip)
        )
    }
}
