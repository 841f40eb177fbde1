//! `reference hello`: `HELLO`, print the `WELCOME` text, `BYE`.

use clap::Args;

use super::error::CliError;
use super::target::Introduction;

#[derive(Debug, Args)]
pub(super) struct HelloArgs {
    #[command(flatten)]
    introduction: Introduction,
}

pub(super) async fn run(args: HelloArgs) -> Result<(), CliError> {
    let (client, welcome) = args.introduction.connect().await?;
    println!("{welcome}");
    client.bye(None).await?;
    Ok(())
}
