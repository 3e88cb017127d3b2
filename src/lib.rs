//! trawl: a scheduled web-monitoring daemon.
//!
//! Stages, in the order data flows through them: [`config`] → [`fetch`] → [`extract`] →
//! [`rules`] → [`store`] + [`archive`], driven by [`poll`]; [`cli`] is the command line over them.

pub mod archive;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod diag;
pub mod digest;
pub mod extract;
pub mod fetch;
pub mod poll;
pub mod rules;
pub mod schedule;
pub mod store;
