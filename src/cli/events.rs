//! Flags of `events`.

use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct EventsArgs {
    /// Filter: type=container|image|volume, event=STATUS (or status=),
    /// container=NAME|ID, image=NAME, volume=NAME; one key's values are
    /// alternatives, keys combine
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: json (one object a line) or a Go template such as
    /// {{.Status}} {{.Name}}
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Events since this time (RFC 3339, date, Unix time, or a duration
    /// such as 10m)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events until this time; with --stream, stop then
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Keep printing new events as they happen (false: print the stored
    /// ones and exit)
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub stream: bool,
    /// Do not truncate the output (cove never does)
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub no_trunc: bool,
}
