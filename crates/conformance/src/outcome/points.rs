//! Points: whole numbers from a suite, fractions once a rubric gives partial credit or weighs
//! scenario groups. Kept to hundredths, so that sums add up the way a gradebook expects; shown
//! and serialized as a whole number when they are one (`2`, not `2.0`), so a report of a run
//! without a rubric reads exactly as it always did.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number of points, to the hundredth, never negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Points(f64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0.0);

    /// `value`, rounded to the hundredth; a negative or non-finite value is zero.
    pub fn new(value: f64) -> Points {
        if value.is_finite() && value > 0.0 {
            Points((value * 100.0).round() / 100.0)
        } else {
            Points::ZERO
        }
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }

    /// Whether there are none.
    pub fn is_zero(self) -> bool {
        self.0 == 0.0
    }

    /// `self` as a share of `max`, in percent (0 when `max` is zero).
    pub fn percent_of(self, max: Points) -> f64 {
        if max.is_zero() {
            0.0
        } else {
            self.0 * 100.0 / max.0
        }
    }

    fn whole(self) -> Option<u64> {
        (self.0.fract() == 0.0 && self.0 < 1e15).then_some(self.0 as u64)
    }
}

impl From<u32> for Points {
    fn from(n: u32) -> Points {
        Points(f64::from(n))
    }
}

impl fmt::Display for Points {
    /// `2`, `1.5`, `0.33`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.whole() {
            Some(n) => n.to_string(),
            None => {
                let s = format!("{:.2}", self.0);
                s.trim_end_matches('0').to_owned()
            }
        };
        f.pad(&text)
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points::new(self.0 + other.0)
    }
}

impl AddAssign for Points {
    fn add_assign(&mut self, other: Points) {
        *self = *self + other;
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.whole() {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_f64(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        f64::deserialize(d).map(Points::new)
    }
}

#[cfg(test)]
mod tests {
    use super::Points;

    #[test]
    fn whole_points_read_as_integers_and_fractions_as_hundredths() {
        assert_eq!(Points::from(2).to_string(), "2");
        assert_eq!(Points::new(1.5).to_string(), "1.5");
        assert_eq!(Points::new(2.0 / 3.0).to_string(), "0.67");
        assert_eq!(format!("{:>4}", Points::from(3)), "   3");
        assert_eq!(serde_json::json!(Points::from(2)).to_string(), "2");
        assert_eq!(serde_json::json!(Points::new(0.25)).to_string(), "0.25");
        let sum: Points = [0.1, 0.2, 0.7].into_iter().map(Points::new).sum();
        assert_eq!(sum, Points::from(1));
        assert_eq!(Points::new(-3.0), Points::ZERO);
        assert_eq!(Points::new(1.0).percent_of(Points::new(4.0)), 25.0);
    }
}
