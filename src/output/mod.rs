//! Where credentials go: exports, credential_process JSON, child processes.

pub mod exec;
pub mod export;
pub mod quote;
pub mod table;
