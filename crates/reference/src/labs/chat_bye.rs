//! The chat lab with bye words: a server that welcomes one client, reads its thanks, then
//! alternates a line typed on its standard input (sent to the client) with the client's reply
//! (printed), until either side says a bye word; a client that does the mirror image.
//!
//! The lab has no framing: each message is one `send`, read with one `read` of at most 1024
//! bytes, with no line end. Both sides stop on a bye word from either side, when the other side
//! leaves (a read of zero bytes), or when their standard input ends.

use std::io::{self, BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};

/// What the server sends first.
const WELCOME: &str = "You are connected. Welcome!";
/// What the client answers to the welcome.
const THANKS: &str = "Thank you";
/// The words that end the chat, compared without case or white space around them.
const BYE_WORDS: [&str; 6] = ["bye", "byebye", "bubye", "bye bye", "tata", "see you"];
/// The most a message can hold: one `recv(1024)`, as in the lab.
const MESSAGE_MAX: usize = 1024;

/// Whether `text` is a bye word.
fn is_bye(text: &str) -> bool {
    let text = text.trim().to_lowercase();
    BYE_WORDS.contains(&text.as_str())
}

/// One message from `peer`: what one read returns, or `None` when the peer has left.
fn receive(peer: &mut TcpStream) -> io::Result<Option<String>> {
    let mut buf = [0u8; MESSAGE_MAX];
    let n = peer.read(&mut buf)?;
    Ok((n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned()))
}

/// Alternates until a bye word, the peer leaving, or the end of standard input: a line typed
/// goes to `peer`, a message from `peer` is printed as `{them}: ...`. `typing_first`: whose
/// turn it is first.
fn converse(peer: &mut TcpStream, them: &str, typing_first: bool) -> io::Result<()> {
    let stdin = io::stdin();
    let mut typed = stdin.lock().lines();
    let mut typing = typing_first;
    loop {
        if typing {
            let Some(line) = typed.next().transpose()? else {
                println!("(standard input ended: leaving)");
                return Ok(());
            };
            peer.write_all(line.as_bytes())?;
            if is_bye(&line) {
                println!("(you said goodbye)");
                return Ok(());
            }
        } else {
            let Some(message) = receive(peer)? else {
                println!("({them} left)");
                return Ok(());
            };
            println!("{them}: {}", message.trim());
            if is_bye(&message) {
                println!("({them} said goodbye)");
                return Ok(());
            }
        }
        typing = !typing;
    }
}

/// Welcomes one client on 127.0.0.1:`port`, prints its thanks, then chats; returns (and the
/// process exits) when the chat ends.
pub fn server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on port {port}");
    let (mut client, addr) = listener.accept()?;
    println!("client at {addr}");
    client.write_all(WELCOME.as_bytes())?;
    match receive(&mut client)? {
        Some(thanks) => println!("client: {}", thanks.trim()),
        None => return Ok(()),
    }
    converse(&mut client, "client", true)
}

/// Connects to 127.0.0.1:`port`, prints the welcome, thanks the server, then chats.
pub fn client(port: u16) -> io::Result<()> {
    let mut server = TcpStream::connect(("127.0.0.1", port))?;
    match receive(&mut server)? {
        Some(welcome) => println!("server: {}", welcome.trim()),
        None => return Ok(()),
    }
    server.write_all(THANKS.as_bytes())?;
    converse(&mut server, "server", false)
}
