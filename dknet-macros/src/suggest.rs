//! "did you mean ...?": the closest of a few known names to a misspelled one.

/// The candidate closest to `name`, when it is close enough to be a likely
/// typo: the same letters ignoring case and underscores (`CreateVolume`,
/// `createVolume` for `create_volume`), or within two edits or a third of the name's length.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let squashed = squash(name);
    let limit = (name.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if squash(candidate) == squashed {
            return Some(candidate);
        }
        let distance = edit_distance(name, candidate);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `name` lowercased without underscores.
fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance, counting a swap of two neighbouring characters as
/// one edit (so `volmue` is one edit from `volume`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; only three rows are live.
    let mut before = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &["create_volume", "delete_volume", "mount", "unmount"];

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "mount"), 5);
        assert_eq!(edit_distance("mount", "mount"), 0);
        assert_eq!(edit_distance("muont", "mount"), 1);
        assert_eq!(edit_distance("create_volmue", "create_volume"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        let closest = |name| closest(name, NAMES.iter().copied());
        assert_eq!(closest("create_volmue"), Some("create_volume"));
        assert_eq!(closest("CreateVolume"), Some("create_volume"));
        assert_eq!(closest("delete_volumes"), Some("delete_volume"));
        assert_eq!(closest("mont"), Some("mount"));
        assert_eq!(closest("helper"), None);
        assert_eq!(closest("x"), None);
        assert_eq!(closest("foo"), None);
    }
}
