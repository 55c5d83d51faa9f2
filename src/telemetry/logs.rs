//! The log line format on stderr: JSON for machines (a collector, `journald`, a container
//! runtime), human-readable text for a person at a terminal.

use std::io::IsTerminal;

use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// `--log-format` (or `DXGATE_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Pretty when stderr is a terminal, JSON otherwise. The default.
    #[default]
    Auto,
    /// One JSON object per line (`timestamp`, `level`, `fields`, `target`).
    Json,
    /// Human-readable lines; coloured when stderr is a terminal and `NO_COLOR` is unset.
    Pretty,
}

impl LogFormat {
    /// `Auto` made concrete: [`LogFormat::Json`] or [`LogFormat::Pretty`].
    pub fn resolve(self, stderr_is_terminal: bool) -> LogFormat {
        match self {
            LogFormat::Auto if stderr_is_terminal => LogFormat::Pretty,
            LogFormat::Auto => LogFormat::Json,
            other => other,
        }
    }
}

/// The stderr layer for `format`, looking at this process's stderr and `NO_COLOR`.
pub(super) fn layer<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let terminal = std::io::stderr().is_terminal();
    match format.resolve(terminal) {
        LogFormat::Pretty => {
            let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour)
                .boxed()
        }
        _ => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::LogFormat;

    #[test]
    fn auto_is_pretty_only_on_a_terminal() {
        assert_eq!(LogFormat::Auto.resolve(true), LogFormat::Pretty);
        assert_eq!(LogFormat::Auto.resolve(false), LogFormat::Json);
        assert_eq!(LogFormat::Json.resolve(true), LogFormat::Json);
        assert_eq!(LogFormat::Pretty.resolve(false), LogFormat::Pretty);
    }
}
