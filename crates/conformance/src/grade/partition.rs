//! `--partition K/N`: one slice of a roster, to grade a class across machines. Count-based and
//! stable, as nextest partitions tests: the student at roster position `i` (from 0) is in slice
//! `i % N + 1`. The same roster always gives the same slices, every slice gets its share of
//! students whatever their names, and `grade merge` puts them back in roster order.

use std::fmt;
use std::str::FromStr;

/// Slice `index` of `count`, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Partition {
    /// Which slice, 1 to `count`.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl Partition {
    /// The whole roster.
    pub const WHOLE: Partition = Partition { index: 1, count: 1 };

    /// Whether the student at roster position `position` (from 0) is in this slice.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count + 1 == self.index
    }
}

impl FromStr for Partition {
    type Err = String;
    fn from_str(s: &str) -> Result<Partition, String> {
        let bad = || format!("`{s}`: a partition is K/N, 1 <= K <= N (e.g. 2/4)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Partition { index, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::Partition;

    #[test]
    fn slices_are_round_robin_and_cover_the_roster_once() {
        let p: Vec<Partition> = ["1/3", "2/3", "3/3"]
            .iter()
            .map(|s| s.parse().expect("valid"))
            .collect();
        for position in 0..10 {
            let holders: Vec<usize> = p
                .iter()
                .filter(|s| s.holds(position))
                .map(|s| s.index)
                .collect();
            assert_eq!(holders, vec![position % 3 + 1]);
        }
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
        assert_eq!(p[1].to_string(), "2/3");
    }
}
