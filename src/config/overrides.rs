//! Values that replace what `dxgate.toml` says, taken from the environment by the CLI
//! ([`Overrides::from_env`]) and passed to loading explicitly, so a gateway built in-process
//! (tests) never reads or writes process-wide environment variables.

/// Replacements for settings, each `None` when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `[server] listen` (env `DXGATE_LISTEN`); checked like the file's value.
    pub listen: Option<String>,
    /// `[store] url` (env `DXGATE_STORE_URL`).
    pub store_url: Option<String>,
    /// `[server] node_id` (env `DXGATE_NODE_ID`, e.g. the pod name).
    pub node_id: Option<String>,
    /// `[limits] redis_url` (env `DXGATE_REDIS_URL`).
    pub redis_url: Option<String>,
}

impl Overrides {
    /// `DXGATE_LISTEN`, `DXGATE_STORE_URL`, `DXGATE_NODE_ID` and `DXGATE_REDIS_URL` from the
    /// environment.
    pub fn from_env() -> Overrides {
        let var = |name| std::env::var(name).ok();
        Overrides {
            listen: var("DXGATE_LISTEN"),
            store_url: var("DXGATE_STORE_URL"),
            node_id: var("DXGATE_NODE_ID"),
            redis_url: var("DXGATE_REDIS_URL"),
        }
    }
}
