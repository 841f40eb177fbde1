//! Exit codes of the `reference` command: one table, from which both the constants and the
//! `Exit codes:` section of `--help` are made.

/// Declares each exit code as a constant documented by its meaning, and [`TABLE`] of them all.
macro_rules! exit_codes {
    ($($name:ident = $code:literal: $meaning:literal;)*) => {
        $(
            #[doc = concat!("Exit code ", stringify!($code), ": ", $meaning, ".")]
            pub const $name: u8 = $code;
        )*
        /// Every exit code as (code, constant, meaning), in order.
        pub const TABLE: &[(u8, &str, &str)] = &[$(($code, stringify!($name), $meaning)),*];
    };
}

exit_codes! {
    OK = 0: "success";
    ERR_REPLY = 1: "the server replied ERR (or ended the session with BYE instead of replying)";
    USAGE = 2: "usage error: bad arguments or settings";
    CONNECT = 3: "cannot connect: refused, unreachable, timed out, or ERR 503 busy (serve: cannot listen)";
    LOCAL_FILE = 4: "local file problem: file to upload, download destination, or serve --root";
    PROTOCOL = 5: "protocol violation by the server, no reply in time, or connection lost mid-exchange";
}

/// The `Exit codes:` section of `--help`, rendered from [`TABLE`].
pub fn help() -> String {
    let mut help = String::from("Exit codes:");
    for (code, _, meaning) in TABLE {
        help.push_str(&format!("\n  {code}  {meaning}"));
    }
    help
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_order() {
        let codes: Vec<u8> = TABLE.iter().map(|(code, _, _)| *code).collect();
        assert_eq!(codes, (0..codes.len() as u8).collect::<Vec<_>>());
        assert!(help().lines().count() == TABLE.len() + 1);
    }
}
