//! One writer per output format, all over [`crate::outcome`]; `words` is where every format
//! gets its sentences, escapes and hexdumps.

pub mod gradescope;
pub mod human;
pub mod json;
pub mod junit;
pub mod tap;
pub mod words;
