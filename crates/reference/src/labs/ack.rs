//! The acknowledgement lab: a server that answers every message with an acknowledgement until
//! the client closes, client after client; a client that sends one message and prints the
//! acknowledgement.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// The server's acknowledgement.
const ACK: &str = "Message received by server";
/// What the client sends.
const MESSAGE: &str = "Hello, this is the client.";

/// Serves clients one after the other, until the process is stopped.
pub fn server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on port {port}");
    for client in listener.incoming() {
        let client = client?;
        println!("Connected by {}", client.peer_addr()?);
        // A client that resets its connection ends its own conversation, not the server.
        if let Err(e) = acknowledge(client) {
            println!("client left: {e}");
        }
    }
    Ok(())
}

/// Acknowledges each read until the client closes (read returns 0); the stream closes when it
/// is dropped.
fn acknowledge(mut client: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        println!(
            "Received from client: {}",
            String::from_utf8_lossy(&buf[..n])
        );
        client.write_all(ACK.as_bytes())?;
    }
}

/// Sends the message, prints the acknowledgement (one read: the server sends it in one piece
/// and keeps the connection open for more), and closes (by returning).
pub fn client(port: u16) -> io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(MESSAGE.as_bytes())?;
    let mut ack = [0u8; 1024];
    let n = stream.read(&mut ack)?;
    println!(
        "Received from server: {}",
        String::from_utf8_lossy(&ack[..n])
    );
    Ok(())
}
