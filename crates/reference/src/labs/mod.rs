//! Reference implementations of the classic socket labs (`conformance/labs/`): the server and
//! the client half of each, written plainly with `std::net` and threads, the way the lab texts
//! ask for, so that every lab suite grades a correct implementation out of the box
//! (`reference lab NAME --port P`, and `conformance run --suite labs/NAME` with no program).
//!
//! Each lab is a module with `server(port)` and `client(port)`: they use the process's standard
//! input and output as the lab's program would.

mod ack;
mod broadcast;
mod chat_bye;
mod file_share;
mod greeter;
mod hello_upload;

use std::io;

/// A lab's half: its name (the suite's, `greeter` or `greeter-client`) and how to run it.
#[derive(Debug, Clone, Copy)]
pub struct Lab {
    /// The suite's name below `labs/`.
    pub name: &'static str,
    /// What it does, in one line.
    pub about: &'static str,
    /// Runs it with `port`: a server listens there, a client connects there.
    pub run: fn(u16) -> io::Result<()>,
}

/// Every lab half there is.
pub const LABS: &[Lab] = &[
    Lab {
        name: "greeter",
        about: "greets each client with `Hello World!` and closes, client after client",
        run: greeter::server,
    },
    Lab {
        name: "greeter-client",
        about: "prints what the server sent",
        run: greeter::client,
    },
    Lab {
        name: "hello-upload",
        about: "answers a client's hello, saves what it uploads to `received_file.txt` until it closes",
        run: hello_upload::server,
    },
    Lab {
        name: "hello-upload-client",
        about: "says hello, prints the reply, uploads `sample_file.txt` and closes",
        run: hello_upload::client,
    },
    Lab {
        name: "ack",
        about: "answers every message with `Message received by server` until the client closes",
        run: ack::server,
    },
    Lab {
        name: "ack-client",
        about: "sends a message and prints the acknowledgement",
        run: ack::client,
    },
    Lab {
        name: "chat-bye",
        about: "welcomes one client, then alternates typed lines and its replies until a bye word",
        run: chat_bye::server,
    },
    Lab {
        name: "chat-bye-client",
        about: "prints the welcome, thanks, then alternates the server's lines and typed replies",
        run: chat_bye::client,
    },
    Lab {
        name: "file-share",
        about: "sends the file a client names, or says it does not exist, client after client",
        run: file_share::server,
    },
    Lab {
        name: "file-share-client",
        about: "asks for the path typed on stdin and saves the file where the next line says",
        run: file_share::client,
    },
    Lab {
        name: "broadcast-tcp",
        about: "relays each message to every other TCP client, never back to its sender",
        run: broadcast::tcp_server,
    },
    Lab {
        name: "broadcast-tcp-client",
        about: "sends each line typed over TCP, prints each message that arrives",
        run: broadcast::tcp_client,
    },
    Lab {
        name: "broadcast-udp",
        about: "relays each datagram to every other address it has heard from",
        run: broadcast::udp_server,
    },
    Lab {
        name: "broadcast-udp-client",
        about: "sends each line typed as a datagram, prints each datagram that arrives",
        run: broadcast::udp_client,
    },
];

/// The lab half named `name`.
pub fn find(name: &str) -> Option<&'static Lab> {
    LABS.iter().find(|l| l.name == name)
}

/// Runs the lab half named `name` with `port`.
pub fn run(name: &str, port: u16) -> io::Result<()> {
    match find(name) {
        Some(lab) => (lab.run)(port),
        None => {
            let names: Vec<&str> = LABS.iter().map(|l| l.name).collect();
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no lab `{name}` (labs: {})", names.join(", ")),
            ))
        }
    }
}
