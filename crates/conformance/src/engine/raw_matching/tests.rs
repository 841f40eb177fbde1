//! Known-answer tables for raw matchers: a matcher, bytes so far, closed or not, the judgement.

use super::*;
use crate::scenario::{RawMatcher, RawPattern, Template};

fn matcher(pattern: RawPattern, until_close: bool, trim: bool, ignore_case: bool) -> Rendered {
    let m = RawMatcher {
        pattern,
        until_close,
        trim,
        ignore_case,
    };
    let suite = Suite {
        name: "t".into(),
        title: "t".into(),
        dir: ".".into(),
        hash: String::new(),
        probe: crate::scenario::ProbeKind::Ping,
        protocol: crate::scenario::Protocol::SocketLab,
        program: crate::scenario::ProgramSettings::default(),
        variables: Vec::new(),
        addresses: Vec::new(),
        files: vec![crate::scenario::SuiteFile {
            path: "f.txt".into(),
            content: Bytes::from_static(b"file!"),
            symlink: None,
        }],
        scenarios: vec![],
    };
    render(&m, &Vars::new(1, "t"), &suite).expect("renders")
}

fn lit(s: &str) -> Template {
    Template::parse(s, true).expect("template")
}

#[test]
fn judgements() {
    use Judged::*;
    let exact = matcher(RawPattern::Exact(lit("PONG t\\n")), false, false, false);
    let trimmed = matcher(RawPattern::Exact(lit("Hello World!")), false, true, true);
    let contains = matcher(RawPattern::Contains(lit("world")), false, false, true);
    let regex = matcher(
        RawPattern::Regex(Template::parse("[0-9]+ bytes", false).unwrap()),
        false,
        false,
        false,
    );
    let size = matcher(RawPattern::Size(3), false, false, false);
    let file = matcher(RawPattern::File("f.txt".into()), false, false, false);
    let whole = matcher(RawPattern::Exact(lit("abc")), true, false, false);
    let any = matcher(RawPattern::Any, true, false, false);
    let table: Vec<(&Rendered, &[u8], bool, Judged)> = vec![
        (&exact, b"PONG", false, More),
        (&exact, b"PONG\n", false, Mismatch),
        (&exact, b"PONG t\nnext", false, Take(7)),
        (&trimmed, b"  hello world!", false, Take(14)),
        (&trimmed, b"hello", false, More),
        (&contains, b"Hello WORLD and more", false, Take(11)),
        (&contains, b"Hello", false, More),
        (&regex, b"got 1024 bytes!", false, Take(14)),
        (&size, b"ab", false, More),
        (&size, b"abcd", false, Take(3)),
        (&file, b"file!", false, Take(5)),
        (&file, b"filE!", false, Mismatch),
        (&whole, b"abc", false, More),
        (&whole, b"abc", true, Take(3)),
        (&whole, b"abcd", true, Mismatch),
        (&any, b"", true, Take(0)),
    ];
    for (i, (m, bytes, closed, want)) in table.into_iter().enumerate() {
        assert_eq!(m.judge(bytes, closed), want, "row {i}");
    }
}
