//! One writer per output format, all over [`crate::outcome`]; `words` is where every format
//! gets its sentences, escapes and hexdumps. `student` makes the student's view of a run
//! (hidden scenarios reduced to title, result and hint); `bundle` writes every format into a
//! report folder.

pub mod bundle;
pub mod classroom;
pub mod gradescope;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod student;
pub mod tap;
pub mod words;
