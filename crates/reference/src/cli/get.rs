//! `reference get`: download a file, to a local file or standard output.

use std::path::{Path, PathBuf};

use clap::Args;
use tokio::io::AsyncWrite;
use wire::PathArg;

use super::download::LocalDownload;
use super::error::CliError;
use super::target::Introduction;
use crate::client::Client;
use crate::progress::Progress;

#[derive(Debug, Args)]
pub(super) struct GetArgs {
    /// Path of the file on the server, e.g. docs/readme.txt
    path: PathArg,
    /// Where to save it; `-` for standard output [default: the path's last segment, in the
    /// current folder]
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Refuse files larger than this many bytes
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,
    #[command(flatten)]
    introduction: Introduction,
}

pub(super) async fn run(args: GetArgs) -> Result<(), CliError> {
    let GetArgs {
        path,
        output,
        max_size,
        introduction,
    } = args;
    let output = output.unwrap_or_else(|| {
        PathBuf::from(path.as_str().rsplit('/').next().unwrap_or(path.as_str()))
    });
    let (mut client, _) = introduction.connect().await?;
    if let Some(limit) = max_size {
        client.set_max_file(limit);
    }
    let progress = Progress::new(path.as_str());
    if output == Path::new("-") {
        download(&mut client, &path, &mut tokio::io::stdout(), &progress).await?;
    } else {
        let mut file = LocalDownload::create(&output).await?;
        let size = download(&mut client, &path, &mut file.file, &progress).await?;
        file.commit().await?;
        progress.finish();
        eprintln!("saved {size} bytes to {}", output.display());
    }
    client.bye(None).await?;
    Ok(())
}

/// `GET path` into `out`, drawing the progress bar; returns the size.
async fn download(
    client: &mut Client,
    path: &PathArg,
    out: &mut (impl AsyncWrite + Unpin),
    progress: &Progress,
) -> Result<u64, CliError> {
    let size = client
        .get_with_size(path, out, &mut |n| progress.set_total(n), &mut |n| {
            progress.set(n)
        })
        .await?;
    progress.finish();
    Ok(size)
}
