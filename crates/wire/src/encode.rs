use bytes::{BufMut, BytesMut};

use crate::message::{ClientMessage, ServerMessage, write_line};

/// Writes a message in canonical form: its line, `LF`, then its payload if it has one.
pub trait Encode {
    /// Appends the message's bytes to `dst`.
    fn encode(&self, dst: &mut BytesMut);

    /// The message's bytes, in a new vector.
    fn encode_to_vec(&self) -> Vec<u8> {
        let mut dst = BytesMut::new();
        self.encode(&mut dst);
        dst.to_vec()
    }
}

impl Encode for ClientMessage {
    fn encode(&self, dst: &mut BytesMut) {
        write_line(dst, self);
        if let Some(payload) = self.payload() {
            dst.put_slice(payload);
        }
    }
}

impl Encode for ServerMessage {
    fn encode(&self, dst: &mut BytesMut) {
        write_line(dst, self);
        if let Some(payload) = self.payload() {
            dst.put_slice(payload);
        }
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, dst: &mut BytesMut) {
        (**self).encode(dst);
    }
}
