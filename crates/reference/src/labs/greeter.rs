//! The greeter lab: a server that greets each client with one message and closes, client after
//! client; a client that prints what the server sent.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// The lab's greeting.
const GREETING: &str = "Hello World!";

/// Greets each client, one after the other, until the process is stopped.
pub fn server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on port {port}");
    for client in listener.incoming() {
        let mut client = client?;
        println!("Connection established with {}", client.peer_addr()?);
        client.write_all(GREETING.as_bytes())?;
        // Dropping the stream closes it: the client's read ends.
    }
    Ok(())
}

/// Prints everything the server sends, until it closes.
pub fn client(port: u16) -> io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut message = String::new();
    stream.read_to_string(&mut message)?;
    println!("{message}");
    Ok(())
}
