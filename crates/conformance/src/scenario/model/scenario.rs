//! One scenario: its connections, variables and steps.

use super::{Location, Step};

/// The transport of a scenario connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A TCP stream.
    Tcp,
    /// A connected UDP socket: one message per datagram.
    Udp,
}

/// A connection of a scenario, by its index in [`Scenario::connections`]: resolved at load, so
/// a step can only name a connection that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(crate) usize);

impl ConnId {
    /// The index in [`Scenario::connections`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A named connection and its transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The name steps use (`on: alice`), shown in transcripts.
    pub name: String,
    /// TCP or UDP: declared, or TCP for a connection declared by its first use.
    pub transport: Transport,
    /// The harness listens and the program connects (grading a client): `tcp-listener`,
    /// `udp-listener`. Otherwise the harness connects to the program.
    pub listen: bool,
}

/// How a per-run variable is made, from the run's seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarKind {
    /// A valid, unique-looking `name`: the variable's name and a random suffix.
    Name,
    /// A random `token`.
    Token,
    /// A random `text` of a few words.
    Text,
    /// A random file name, safe under any root.
    File,
    /// This many random bytes (a payload).
    Bytes(usize),
}

/// One scenario: a few connections, a list of steps, a verdict.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Unique id in the suite.
    pub id: String,
    /// What it checks, in a sentence.
    pub title: String,
    /// Spec requirement IDs it checks.
    pub requirements: Vec<String>,
    /// Points awarded when it passes.
    pub points: u32,
    /// Tags, for `--tag`.
    pub tags: Vec<String>,
    /// Shown on failure, unless the failing step has a hint of its own: what to fix.
    pub hint: Option<String>,
    /// Where the scenario starts (its `id`).
    pub location: Location,
    /// Connections, in declaration (or first-use) order; [`ConnId`] indexes them.
    pub connections: Vec<Connection>,
    /// The instances of the program the steps name: `program` first (the one every run has),
    /// then those started by name with `start:`.
    pub programs: Vec<String>,
    /// Whether a step starts an instance itself (then none is started for the scenario).
    pub starts_programs: bool,
    /// Per-run variables and how to make them, in name order.
    pub vars: Vec<(String, VarKind)>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Whether it sends `MSG`: its relays reach every introduced client of the server, so it
    /// must not overlap with other scenarios.
    pub broadcasts: bool,
    /// Whether the scenario says it must run alone (it counts the server's connections, or
    /// shares the program's state).
    pub exclusive: bool,
    /// Reported, but not required: a weakness that correct programs may have. Its points and
    /// its verdict do not count.
    pub optional: bool,
    /// Who sees its details: a hidden scenario shows a student only its title, result and hint.
    pub visibility: Visibility,
}

/// Who sees a scenario's details, in Gradescope's words. Anything but `visible` keeps the
/// details (steps, transcript, the program's output) out of the student's report; Gradescope
/// itself shows `after_due_date` and `after_published` tests when it says so.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Shown in full.
    #[default]
    Visible,
    /// Title, result and hint only; never shown on Gradescope.
    Hidden,
    /// Title, result and hint only; Gradescope shows it after the due date.
    AfterDueDate,
    /// Title, result and hint only; Gradescope shows it once grades are published.
    AfterPublished,
}

impl Visibility {
    /// Whether a student sees the details now.
    pub fn is_visible(&self) -> bool {
        *self == Visibility::Visible
    }

    /// Gradescope's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDueDate => "after_due_date",
            Visibility::AfterPublished => "after_published",
        }
    }
}

impl Scenario {
    /// The connection `id` stands for.
    pub fn connection(&self, id: ConnId) -> &Connection {
        &self.connections[id.0]
    }

    /// Whether a connection reaches the target over UDP (the scenario needs a target that
    /// serves UDP). A UDP listener of the harness's own (a client's scenario) does not count:
    /// the harness serves it.
    pub fn needs_udp(&self) -> bool {
        self.connections
            .iter()
            .any(|c| c.transport == Transport::Udp && !c.listen)
    }

    /// The connections the harness listens on, in declaration order: the first one's port is
    /// the `{port}` a client program is given.
    pub fn listeners(&self) -> impl Iterator<Item = (ConnId, &Connection)> {
        self.connections
            .iter()
            .enumerate()
            .filter(|(_, c)| c.listen)
            .map(|(i, c)| (ConnId(i), c))
    }

    /// Whether no other scenario may run at the same time as this one.
    pub fn runs_alone(&self) -> bool {
        self.broadcasts || self.exclusive
    }

    /// Whether a step acts on the program's own channels (its input, output, exit, files): two
    /// such scenarios would read each other's output of a program started once for the run.
    pub fn uses_program(&self) -> bool {
        self.steps.iter().any(|s| s.action.program().is_some())
    }

    /// Whether the scenario has `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}
