//! Collecting problems under a limit: an input with 200,000 bad values must not cost the
//! memory (or the screen) of 200,000 problems.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics, Position};
use crate::path::Path;

/// Gathers problems, keeping at most `limit` of them, the first by source position (problems
/// without one come last), and counting the rest: an input with 200,000 bad values costs the
/// memory of `limit` problems.
#[derive(Debug)]
pub(crate) struct ProblemCollector {
    limit: usize,
    /// Largest (latest in the source) on top, so the one to drop is at hand.
    kept: BinaryHeap<Ranked>,
    arrivals: usize,
    omitted: usize,
    /// The path every omitted problem shares.
    omitted_prefix: Option<Path>,
}

#[derive(Debug)]
struct Ranked {
    problem: Diagnostic,
    arrival: usize,
}

impl Ranked {
    fn key(&self) -> (bool, Option<Position>, &Path, usize) {
        (
            self.problem.position().is_none(),
            self.problem.position(),
            self.problem.path(),
            self.arrival,
        )
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl ProblemCollector {
    /// Keeps at most `limit` problems (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            kept: BinaryHeap::new(),
            arrivals: 0,
            omitted: 0,
            omitted_prefix: None,
        }
    }

    pub(crate) fn push(&mut self, problem: Diagnostic) {
        let ranked = Ranked {
            problem,
            arrival: self.arrivals,
        };
        self.arrivals += 1;
        self.kept.push(ranked);
        if self.kept.len() > self.limit {
            if let Some(dropped) = self.kept.pop() {
                self.omit(dropped.problem.path());
            }
        }
    }

    fn omit(&mut self, path: &Path) {
        self.omitted += 1;
        self.omitted_prefix = Some(match self.omitted_prefix.take() {
            None => path.clone(),
            Some(prefix) => prefix.common_prefix(path),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept problems in source order, then the [`DiagnosticKind::Omitted`] note if any.
    pub(crate) fn finish(self) -> Diagnostics {
        let mut problems: Vec<Diagnostic> = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|ranked| ranked.problem)
            .collect();
        if self.omitted > 0 {
            let count = self.omitted;
            problems.push(
                Diagnostic::new(
                    DiagnosticKind::Omitted { count },
                    self.omitted_prefix.unwrap_or_default(),
                    format!(
                        "{count} more problem{} found and not collected",
                        if count == 1 { " was" } else { "s were" }
                    ),
                )
                .with_hint(
                    "fix the problems listed and check again, or raise the limit \
                     (InputLimits::max_problems)",
                ),
            );
        }
        Diagnostics::from_vec(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str, line: Option<usize>) -> Diagnostic {
        Diagnostic::new(DiagnosticKind::OutOfRange, path.parse().unwrap(), "")
            .at(line.map(|line| Position { line, column: 1 }))
    }

    #[test]
    fn the_collector_keeps_the_first_by_position_whatever_the_arrival_order() {
        let mut collector = ProblemCollector::new(3);
        for (path, line) in [
            ("a.unplaced", None),
            ("a.b.9", Some(9)),
            ("a.b.2", Some(2)),
            ("a.c", Some(7)),
            ("a.b.1", Some(1)),
            ("a.b.5", Some(5)),
        ] {
            collector.push(at(path, line));
        }
        let problems = collector.finish();
        let paths: Vec<String> = problems.iter().map(|p| p.path().to_string()).collect();
        assert_eq!(paths, ["a.b.1", "a.b.2", "a.b.5", "a"]);
        assert_eq!(
            problems.as_slice()[3].kind(),
            DiagnosticKind::Omitted { count: 3 }
        );
        assert_eq!(problems.total(), 6);
        assert!(problems.to_string().starts_with("6 problems in the input"));
    }
}
