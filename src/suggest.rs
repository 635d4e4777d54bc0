//! "Did you mean": the closest valid key to a misspelt one (validation and the document forms
//! both suggest keys).

/// The candidate closest to `word` by edit distance (ignoring case), when it is close enough to
/// be a plausible typo: at most a third of the word's length, and at least 2.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|candidate| {
            (
                edit_distance(&word_lower, &candidate.to_lowercase()),
                *candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of neighbours each cost 1, so `serviceTpye` is one step from `serviceType`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Keys are short; a long input key is simply not a typo of ours.
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[i * width + j] = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (table[(i - 1) * width + j] + 1)
                    .min(table[i * width + j - 1] + 1)
                    .min(table[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_and_case_slips() {
        let keys = ["serviceType", "harbor", "metrics"];
        assert_eq!(closest("serviceTpye", &keys), Some("serviceType"));
        assert_eq!(closest("ServiceType", &keys), Some("serviceType"));
        assert_eq!(closest("metric", &keys), Some("metrics"));
        assert_eq!(closest("storage", &keys), None);
    }
}
