//! Discovery: the Organizations calls that list an organisation's accounts,
//! place each in its OU path by walking the OU tree once from the root, and
//! read account tags with bounded concurrency. Returns every account or an error.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;

use aws_sdk_organizations::Client;
use tokio::task::JoinSet;

use super::model::Account;
use crate::aws::{AwsFailure, classify};

/// AWS's largest page for the list calls; moto's default is larger, so say it.
pub const PAGE_SIZE: i32 = 20;

/// The deepest OU the walk goes to below the root. AWS allows five levels;
/// a deeper tree means the endpoint is not answering like Organizations.
pub const MAX_OU_DEPTH: usize = 10;

/// How discovery failed, before the caller adds which organisation and profile.
#[derive(Debug)]
pub enum DiscoveryFailure {
    /// An Organizations call failed.
    Call {
        /// The operation, e.g. `ListAccounts`.
        operation: &'static str,
        /// How it failed.
        failure: AwsFailure,
    },
    /// `ListAccounts` succeeded with no accounts: not a management or delegated administrator view.
    Empty,
    /// `ListRoots` returned no root.
    NoRoot,
    /// The OU tree goes deeper than [`MAX_OU_DEPTH`] below the root (at `path`).
    TooDeep {
        /// The OU path where the walk stopped.
        path: String,
    },
    /// A worker task ended without a result (a panic): a bug.
    Task(String),
}

fn call(operation: &'static str) -> impl Fn(AwsFailure) -> DiscoveryFailure {
    move |failure| DiscoveryFailure::Call { operation, failure }
}

/// Lists every account with its OU path and tags. `concurrency` bounds the
/// parallel calls of the OU walk (per tree level) and of the tag reads.
pub async fn discover(client: &Client, concurrency: usize) -> Result<Vec<Account>, DiscoveryFailure> {
    let mut accounts = list_accounts(client).await?;
    if accounts.is_empty() {
        return Err(DiscoveryFailure::Empty);
    }
    let paths = ou_paths(client, concurrency).await?;
    let ids: Vec<String> = accounts.iter().map(|a| a.id.clone()).collect();
    let tags = bounded(ids, concurrency, |id| {
        let client = client.clone();
        async move { list_tags(&client, &id).await }
    })
    .await?;
    for (account, tags) in accounts.iter_mut().zip(tags) {
        account.ou = paths.get(&account.id).cloned();
        account.tags = tags;
    }
    Ok(accounts)
}

/// `ListAccounts`, paged at [`PAGE_SIZE`].
async fn list_accounts(client: &Client) -> Result<Vec<Account>, DiscoveryFailure> {
    let mut pages = client.list_accounts().into_paginator().page_size(PAGE_SIZE).send();
    let mut out = Vec::new();
    while let Some(page) = pages.try_next().await.map_err(|e| call("ListAccounts")(classify(e)))? {
        for a in page.accounts() {
            let Some(id) = a.id() else { continue };
            // `Status` is retired (2026-09-09); older servers send only it.
            let state = match (a.state(), a.status()) {
                (Some(s), _) => s.as_str().to_owned(),
                (None, Some(s)) => s.as_str().to_owned(),
                (None, None) => "UNKNOWN".to_owned(),
            };
            let joined = a.joined_timestamp().and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok());
            out.push(Account {
                id: id.to_owned(),
                name: a.name().unwrap_or_default().to_owned(),
                email: a.email().unwrap_or_default().to_owned(),
                state,
                joined,
                ou: None,
                tags: BTreeMap::new(),
            });
        }
    }
    Ok(out)
}

/// Account id → OU path, by one walk of the tree: `ListRoots`, then per node
/// `ListOrganizationalUnitsForParent` and `ListAccountsForParent`, a level at
/// a time, each node once, at most [`MAX_OU_DEPTH`] levels below the root.
async fn ou_paths(client: &Client, concurrency: usize) -> Result<HashMap<String, String>, DiscoveryFailure> {
    let roots = client.list_roots().send().await.map_err(|e| call("ListRoots")(classify(e)))?;
    let root = roots.roots().iter().find_map(|r| r.id()).ok_or(DiscoveryFailure::NoRoot)?;
    let mut level = vec![(root.to_owned(), "/".to_owned())];
    let mut paths = HashMap::new();
    // Every node is asked about once: an OU listed twice (or under its own
    // descendant) is not walked again, so a malformed answer cannot loop.
    let mut seen: HashSet<String> = HashSet::from([root.to_owned()]);
    let mut depth = 0;
    while !level.is_empty() {
        depth += 1;
        let nodes = bounded(level, concurrency, |(id, path)| {
            let client = client.clone();
            async move {
                let (children, accounts) = children_of(&client, &id).await?;
                Ok::<_, DiscoveryFailure>((path, children, accounts))
            }
        })
        .await?;
        let mut next = Vec::new();
        for (path, children, accounts) in nodes {
            for account in accounts {
                paths.insert(account, path.clone());
            }
            for (child_id, name) in children {
                if !seen.insert(child_id.clone()) {
                    continue;
                }
                let child_path = if path == "/" { format!("/{name}") } else { format!("{path}/{name}") };
                if depth > MAX_OU_DEPTH {
                    return Err(DiscoveryFailure::TooDeep { path: child_path });
                }
                next.push((child_id, child_path));
            }
        }
        level = next;
    }
    Ok(paths)
}

type Children = (Vec<(String, String)>, Vec<String>);

/// The OUs (id, name) and account ids directly under `parent`.
async fn children_of(client: &Client, parent: &str) -> Result<Children, DiscoveryFailure> {
    let mut ous = Vec::new();
    let mut pages =
        client.list_organizational_units_for_parent().parent_id(parent).into_paginator().page_size(PAGE_SIZE).send();
    while let Some(page) = pages.try_next().await.map_err(|e| call("ListOrganizationalUnitsForParent")(classify(e)))? {
        for ou in page.organizational_units() {
            if let Some(id) = ou.id() {
                ous.push((id.to_owned(), ou.name().unwrap_or(id).to_owned()));
            }
        }
    }
    let mut accounts = Vec::new();
    let mut pages = client.list_accounts_for_parent().parent_id(parent).into_paginator().page_size(PAGE_SIZE).send();
    while let Some(page) = pages.try_next().await.map_err(|e| call("ListAccountsForParent")(classify(e)))? {
        accounts.extend(page.accounts().iter().filter_map(|a| a.id()).map(str::to_owned));
    }
    Ok((ous, accounts))
}

/// `ListTagsForResource` for one account, every page.
async fn list_tags(client: &Client, account: &str) -> Result<BTreeMap<String, String>, DiscoveryFailure> {
    let mut tags = BTreeMap::new();
    let mut pages = client.list_tags_for_resource().resource_id(account).into_paginator().send();
    while let Some(page) = pages.try_next().await.map_err(|e| call("ListTagsForResource")(classify(e)))? {
        for tag in page.tags() {
            tags.insert(tag.key().to_owned(), tag.value().to_owned());
        }
    }
    Ok(tags)
}

/// Runs `work` on every item with at most `limit` running at once; results
/// in item order. The first error stops the rest (dropping the set aborts them).
async fn bounded<I, T, F, Fut>(items: Vec<I>, limit: usize, work: F) -> Result<Vec<T>, DiscoveryFailure>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<T, DiscoveryFailure>> + Send + 'static,
    T: Send + 'static,
{
    let limit = limit.max(1);
    let total = items.len();
    let mut set = JoinSet::new();
    let mut done: Vec<Option<T>> = (0..total).map(|_| None).collect();
    let mut collect = |joined: Result<(usize, Result<T, DiscoveryFailure>), tokio::task::JoinError>| {
        let (i, result) = joined.map_err(|e| DiscoveryFailure::Task(e.to_string()))?;
        done[i] = Some(result?);
        Ok::<(), DiscoveryFailure>(())
    };
    for (i, item) in items.into_iter().enumerate() {
        while set.len() >= limit {
            if let Some(joined) = set.join_next().await {
                collect(joined)?;
            }
        }
        let fut = work(item);
        set.spawn(async move { (i, fut.await) });
    }
    while let Some(joined) = set.join_next().await {
        collect(joined)?;
    }
    done.into_iter().map(|r| r.ok_or_else(|| DiscoveryFailure::Task("a result went missing".into()))).collect()
}
