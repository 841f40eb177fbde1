//! The encoder round trip: valid messages (built through the validating constructors), encoded
//! back to back, decode to themselves at once, in chunks and by parts; one that breaks a limit
//! ends the stream with that limit's error at its offset.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use socket_lab_fuzz::{messages, stream};

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let limits = socket_lab_fuzz::limits(u.arbitrary()?);
    let chunk = usize::from(u.arbitrary::<u8>()? % 64) + 1;
    let count = u.int_in_range(1..=8)?;
    if u.arbitrary()? {
        let ms = (0..count)
            .map(|_| messages::client(u))
            .collect::<Result<Vec<_>>>()?;
        stream::round_trip(&ms, limits, chunk);
    } else {
        let ms = (0..count)
            .map(|_| messages::server(u))
            .collect::<Result<Vec<_>>>()?;
        stream::round_trip(&ms, limits, chunk);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
