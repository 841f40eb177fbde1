//! The hello-and-upload lab: a server that answers a client's hello with its own and saves every
//! byte that follows to `received_file.txt` until the client closes; a client that says hello,
//! prints the reply and uploads `sample_file.txt` whole, then closes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// What the client says first.
const HELLO: &str = "Hello from the client!";
/// The server's answer to it.
const REPLY: &str = "Hello from the server!";
/// Where the server saves the upload, in its working folder.
const SAVED: &str = "received_file.txt";
/// What the client uploads, from its working folder.
const SAMPLE: &str = "sample_file.txt";

/// Serves clients one after the other (the lab's server takes one; taking the next ones too
/// costs nothing), until the process is stopped.
pub fn server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on port {port}");
    for client in listener.incoming() {
        let mut client = client?;
        println!("Connection established with {}", client.peer_addr()?);
        match receive(&mut client) {
            Ok(saved) => println!("saved {saved} bytes to {SAVED}"),
            // A client that vanished mid-upload ends its upload, not the server.
            Err(e) => println!("upload ended: {e}"),
        }
    }
    Ok(())
}

/// One client: its hello (one read, as the lab's client sends it in one piece and then waits),
/// the reply, then every byte until the client closes (read returns 0), written to the file.
fn receive(client: &mut TcpStream) -> io::Result<u64> {
    let mut hello = [0u8; 1024];
    let n = client.read(&mut hello)?;
    println!("Client: {}", String::from_utf8_lossy(&hello[..n]));
    client.write_all(REPLY.as_bytes())?;
    // Created before the first byte: an empty upload is an empty file. `File` is unbuffered,
    // so what `copy` wrote is on the disk when it returns.
    let mut file = File::create(SAVED)?;
    io::copy(client, &mut file)
}

/// Says hello, prints the reply, sends `sample_file.txt` whole, and closes (by returning).
pub fn client(port: u16) -> io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(HELLO.as_bytes())?;
    // The reply comes before any byte of the file is sent: the server reads the hello with
    // one read, which must not take file bytes with it.
    let mut reply = [0u8; 1024];
    let n = stream.read(&mut reply)?;
    println!("Server: {}", String::from_utf8_lossy(&reply[..n]));
    let mut file = File::open(SAMPLE)?;
    let sent = io::copy(&mut file, &mut stream)?;
    println!("sent {sent} bytes of {SAMPLE}");
    // Dropping the stream closes it: the server's upload ends there.
    Ok(())
}
