//! The file-sharing lab: a server that receives a path, then sends that file's bytes, or a
//! message that it does not exist, and closes, client after client; a client that sends a path
//! typed on its standard input and saves what it receives where the next line typed says.
//!
//! On the wire: the client sends the path as typed, `/`-separated, relative to the server's
//! working folder, with no line end (one `send`); the server answers with the file, byte for
//! byte, or with `File PATH does not exist`, then closes the connection: the end of the file is
//! the end of the connection.

use std::io::{self, BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

/// The end of the message a server sends for a file it does not have.
const MISSING: &str = "does not exist";
/// The most a path can hold: one `recv(1024)`, as in the lab.
const PATH_MAX: usize = 1024;

/// Serves each client, one after the other, from the working folder, until the process is
/// stopped.
pub fn server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("sharing the files of this folder on port {port}");
    for client in listener.incoming() {
        let mut client = client?;
        let mut buf = [0u8; PATH_MAX];
        let n = client.read(&mut buf)?;
        let path = String::from_utf8_lossy(&buf[..n]).trim().to_owned();
        if Path::new(&path).is_file() {
            let bytes = std::fs::read(&path)?;
            client.write_all(&bytes)?;
            println!("sent {path} ({} bytes)", bytes.len());
        } else {
            client.write_all(format!("File {path} {MISSING}").as_bytes())?;
            println!("no file {path}");
        }
        // Dropping the stream closes it: the client's reads end there.
    }
    Ok(())
}

/// Reads the path and where to save it from standard input (one line each), asks the server
/// for the file and saves it, or prints the server's message when it does not have it.
pub fn client(port: u16) -> io::Result<()> {
    let mut lines = io::stdin().lock().lines();
    let mut next_line = || -> io::Result<String> {
        let line = lines.next().transpose()?.unwrap_or_default();
        Ok(line.trim().to_owned())
    };
    let path = next_line()?;
    let save_as = next_line()?;
    let mut server = TcpStream::connect(("127.0.0.1", port))?;
    server.write_all(path.as_bytes())?;
    let mut received = Vec::new();
    server.read_to_end(&mut received)?;
    match std::str::from_utf8(&received) {
        Ok(text) if received.len() < PATH_MAX && text.contains(MISSING) => println!("{text}"),
        _ => {
            std::fs::write(&save_as, &received)?;
            println!("saved {save_as} ({} bytes)", received.len());
        }
    }
    Ok(())
}
