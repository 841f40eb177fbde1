//! Per-run variables: names, tokens, texts and payloads drawn from the run's seed, so a server
//! cannot hard-code its replies, and a failing run can be replayed with `--seed`.

use std::collections::HashMap;

use bytes::Bytes;
use rand::{Rng, RngExt, SeedableRng, rngs::StdRng};

use crate::scenario::{VarKind, VarSource};

/// A variable's value.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    Bytes(Bytes),
}

/// The variables of one scenario run.
#[derive(Debug)]
pub struct Vars {
    values: HashMap<String, Value>,
    rng: StdRng,
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const WORDS: &[&str] = &[
    "amber", "falcon", "socket", "relay", "quartz", "meadow", "lantern", "orbit", "pebble",
    "tundra",
];

impl Vars {
    /// Variables for scenario `id` in a run with `seed`: each scenario draws its own values.
    pub fn new(seed: u64, id: &str) -> Self {
        let salt = crate::files::stable_hash(id);
        Vars {
            values: HashMap::new(),
            rng: StdRng::seed_from_u64(seed ^ salt),
        }
    }

    fn suffix(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(ALNUM[self.rng.random_range(0..ALNUM.len())]))
            .collect()
    }

    /// Draws a value of `kind` for `name`.
    pub fn generate(&mut self, name: &str, kind: &VarKind) {
        let value = match kind {
            VarKind::Name => {
                let stem: String = name
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .take(20)
                    .collect();
                Value::Text(format!("{stem}_{}", self.suffix(6)))
            }
            VarKind::Token => Value::Text(format!("t{}", self.suffix(12))),
            VarKind::Text => {
                let words: Vec<&str> = (0..3)
                    .map(|_| WORDS[self.rng.random_range(0..WORDS.len())])
                    .collect();
                Value::Text(format!(
                    "{} {}",
                    words.join(" "),
                    self.rng.random_range(10..10_000)
                ))
            }
            VarKind::File => Value::Text(format!("lab-{}.txt", self.suffix(10))),
            VarKind::Bytes(n) => {
                let mut bytes = vec![0u8; *n];
                self.rng.fill_bytes(&mut bytes);
                Value::Bytes(Bytes::from(bytes))
            }
        };
        self.values.insert(name.to_owned(), value);
    }

    /// Sets a captured value.
    pub fn set(&mut self, name: &str, value: String) {
        self.values.insert(name.to_owned(), Value::Text(value));
    }

    /// A variable's bytes (a text variable's as UTF-8).
    pub fn bytes(&self, name: &str) -> Option<Bytes> {
        match self.values.get(name)? {
            Value::Bytes(b) => Some(b.clone()),
            Value::Text(t) => Some(Bytes::from(t.clone().into_bytes())),
        }
    }
}

impl VarSource for Vars {
    fn value(&self, name: &str) -> Option<&[u8]> {
        match self.values.get(name)? {
            Value::Text(t) => Some(t.as_bytes()),
            Value::Bytes(b) => Some(b),
        }
    }
}
