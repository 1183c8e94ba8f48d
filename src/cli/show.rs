//! `mxlookup config show`: the settings in force and where each comes from.

use crate::commands::{self as job, Completion};

use super::args::ConfigShowArgs;
use super::layers::{self, ConfigFile, Sources};
use crate::Failure;

pub fn config_show(
    args: ConfigShowArgs,
    file: &ConfigFile,
    sources: Sources,
) -> Result<Completion, Failure> {
    // With no server anywhere, show what a run would discover.
    let net = &args.network;
    let discovered = if net.servers.is_empty() && net.homeserver.is_some() && !net.sandbox {
        let settings = net.clone().settings().map_err(Failure::usage)?;
        let runtime = job::runtime()?;
        match runtime.block_on(settings.discover_servers()) {
            Ok(found) => Some((found.servers, found.url)),
            Err(e) => {
                eprintln!("warning: {e}");
                None
            }
        }
    } else {
        None
    };
    layers::show(args, file, sources, discovered).map_err(|e| Failure {
        message: format!("cannot write stdout: {e}"),
        hint: None,
    })?;
    Ok(Completion::Complete)
}
