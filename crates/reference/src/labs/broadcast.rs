//! The broadcast lab, over TCP and over UDP: a server that relays each message to every other
//! client (never back to its sender), clients coming and going; a client that sends each line
//! typed on its standard input and prints each message that arrives, both at once.

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

/// The connected clients of the TCP server: a number of its own for each, and a handle to
/// write to it.
type Clients = Arc<Mutex<Vec<(u64, TcpStream)>>>;

/// The list, even if a thread panicked while holding it.
fn lock(clients: &Clients) -> MutexGuard<'_, Vec<(u64, TcpStream)>> {
    clients.lock().unwrap_or_else(|e| e.into_inner())
}

/// Relays what each client sends to every other connected client, a thread per client, until
/// the process is stopped.
pub fn tcp_server(port: u16) -> io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("listening on port {port}");
    let clients: Clients = Arc::default();
    for (id, stream) in (0u64..).zip(listener.incoming()) {
        let stream = stream?;
        println!("client {id} joined from {}", stream.peer_addr()?);
        // In the list before its first byte is read: whoever it hears from, it is relayed to.
        lock(&clients).push((id, stream.try_clone()?));
        let clients = Arc::clone(&clients);
        thread::spawn(move || relay(id, stream, &clients));
    }
    Ok(())
}

/// One client's loop: each chunk it sends goes, unchanged, to every other client. When it
/// leaves, it is taken off the list first, then its connection is closed.
fn relay(id: u64, mut stream: TcpStream, clients: &Clients) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                for (other, out) in lock(clients).iter_mut() {
                    if *other != id {
                        // A client that cannot be written to has left: its own loop removes it.
                        let _ = out.write_all(&buf[..n]);
                    }
                }
            }
        }
    }
    lock(clients).retain(|(other, _)| *other != id);
    let _ = stream.shutdown(Shutdown::Both);
    println!("client {id} left");
}

/// Sends each line typed to the server and prints each message that arrives, side by side.
/// At the end of its input it closes its side of the connection and returns; when the server
/// closes the connection, it ends the process.
pub fn tcp_client(port: u16) -> io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut incoming = stream.try_clone()?;
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = incoming.read(&mut buf) {
            print_now(&buf[..n]);
        }
        println!("the server closed the connection");
        std::process::exit(0);
    });
    for line in io::stdin().lock().lines() {
        stream.write_all(format!("{}\n", line?).as_bytes())?;
    }
    stream.shutdown(Shutdown::Write)
}

/// Writes `bytes` to standard output at once (it may be a pipe: nothing waits in a buffer).
fn print_now(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(bytes);
    if !bytes.ends_with(b"\n") {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Relays each datagram to every other address it has heard from, each address remembered
/// once, until the process is stopped.
pub fn udp_server(port: u16) -> io::Result<()> {
    let socket = UdpSocket::bind(("127.0.0.1", port))?;
    println!("listening on UDP port {port}");
    let mut peers: Vec<SocketAddr> = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            // An ICMP error for an earlier datagram to a peer that has gone: not fatal.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
            Err(e) => return Err(e),
        };
        if !peers.contains(&from) {
            println!("new peer {from}");
            peers.push(from);
        }
        for peer in peers.iter().filter(|p| **p != from) {
            let _ = socket.send_to(&buf[..n], peer);
        }
    }
}

/// Sends each line typed to the server as one datagram, from one socket, and prints each
/// datagram that arrives, side by side, until its input ends.
pub fn udp_client(port: u16) -> io::Result<()> {
    let socket = UdpSocket::bind(("127.0.0.1", 0))?;
    socket.connect(("127.0.0.1", port))?;
    let incoming = socket.try_clone()?;
    thread::spawn(move || {
        let mut buf = [0u8; 65536];
        loop {
            match incoming.recv(&mut buf) {
                Ok(n) => print_now(&buf[..n]),
                // A datagram sent before the server was there: keep listening.
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(_) => break,
            }
        }
    });
    for line in io::stdin().lock().lines() {
        socket.send(line?.as_bytes())?;
    }
    Ok(())
}
