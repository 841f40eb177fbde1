//! `reference put`: upload a file.

use std::path::{Path, PathBuf};

use clap::Args;
use wire::PathArg;

use super::error::CliError;
use super::target::Introduction;
use crate::progress::Progress;

#[derive(Debug, Args)]
pub(super) struct PutArgs {
    /// The local file to send
    file: PathBuf,
    /// Path to store it at on the server [default: the file's name]
    #[arg(long = "as", value_name = "PATH")]
    remote: Option<PathArg>,
    #[command(flatten)]
    introduction: Introduction,
}

pub(super) async fn run(args: PutArgs) -> Result<(), CliError> {
    let PutArgs {
        file,
        remote,
        introduction,
    } = args;
    let local = |e| CliError::local(&file, e);
    let remote = match remote {
        Some(remote) => remote,
        None => default_remote(&file)?,
    };
    let mut input = tokio::fs::File::open(&file).await.map_err(local)?;
    let meta = input.metadata().await.map_err(local)?;
    if !meta.is_file() {
        return Err(local(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let (mut client, _) = introduction.connect().await?;
    let progress = Progress::new(remote.as_str());
    progress.set_total(meta.len());
    let ok = client
        .put(&remote, meta.len(), &mut input, &mut |n| progress.set(n))
        .await?;
    progress.finish();
    match ok {
        Some(text) => println!("OK {text}"),
        None => println!("OK"),
    }
    client.bye(None).await?;
    Ok(())
}

/// The server path of an upload without `--as`: the file's name.
fn default_remote(file: &Path) -> Result<PathArg, CliError> {
    let base = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    PathArg::new(base).map_err(|e| {
        CliError::Usage(format!(
            "cannot use `{}` as the server path ({e}); choose one with --as",
            file.display()
        ))
    })
}
