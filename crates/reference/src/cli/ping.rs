//! `reference ping`: `PING`, print the round-trip time of the `PONG`.

use clap::Args;
use wire::Token;

use super::error::CliError;
use super::target::Target;

#[derive(Debug, Args)]
pub(super) struct PingArgs {
    /// Token to send (echoed by the server)
    #[arg(long)]
    token: Option<Token>,
    #[command(flatten)]
    target: Target,
}

pub(super) async fn run(args: PingArgs) -> Result<(), CliError> {
    let PingArgs { token, target } = args;
    let mut client = target.connect().await?;
    let rtt = client.ping(token.as_ref()).await?;
    println!(
        "PONG{} from {} in {:.3} ms",
        token.map(|t| format!(" {t}")).unwrap_or_default(),
        client.peer_addr(),
        rtt.as_secs_f64() * 1000.0
    );
    client.bye(None).await?;
    Ok(())
}
