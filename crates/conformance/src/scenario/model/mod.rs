//! A suite and its scenarios, validated: what the engine runs. Built by `load` from YAML; every
//! fact the engine needs (a connection's transport, a send's bytes and framing, whether a
//! scenario broadcasts) is decided here, once.

mod matcher;
mod scenario;
mod step;
mod suite;
mod template;

pub use matcher::{
    CloseKind, Expectation, FieldMatcher, MessageMatcher, PayloadMatcher, PayloadSource,
    RawMatcher, RawPattern,
};
pub use scenario::{ConnId, Connection, Scenario, Transport, VarKind, Visibility};
pub use step::{
    Action, Expect, ExpectRaw, ProgramId, Send, SendData, SendItem, Split, Step, Stream,
};
pub use suite::{
    Lifecycle, Location, ProbeKind, ProgramSettings, Protocol, Ready, Role, Suite, SuiteFile,
};
pub use template::{Segment, Template, TemplateError, UnsetVar, VarSource};
